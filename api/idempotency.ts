// Idempotency-Key for POSTs (contract.md "HTTP API": "POSTs accept an Idempotency-Key"). A client that
// retries after a lost response sends the same key; the first response is replayed instead of acting twice.
//
// Contract of this module:
// - Keys are scoped per principal (`principal.id` + key): one caller can never replay another's response.
// - The first response with a status below 500 is kept (status, content type, body) and replayed, marked with
//   `Idempotent-Replayed: true`, for `ttlMs` (default 24 h, as Stripe) in an LRU of at most `maxKeys` entries
//   and `maxBytes` of bodies. A 5xx is not kept, so a retry after a server fault runs again.
// - The same key with another method, path or body answers 422 RW_ERR_VALIDATION: the status follows
//   draft-ietf-httpapi-idempotency-key-header §2.7 (422 Unprocessable Content for a key reused with a different
//   payload; Stripe answers the same way) and tells it apart from a 400 for an invalid body, which a client
//   fixes differently; the code stays RW_ERR_VALIDATION because the catalogue (core/errors.ts) has no better one.
// - The same key while the first request is still running answers 409 RW_ERR_VALIDATION (same draft, §2.7).
// - In memory only: a restart forgets the keys. Lifecycle actions stay safe across a restart through
//   `expectedVersion` (a replayed action then meets RW_ERR_VERSION_CONFLICT or RW_ERR_ILLEGAL_TRANSITION).
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RwError } from '../core/errors.ts';
import { principalOf, type ApiAuth } from './auth.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Printable ASCII, 1–255 characters (UUIDs, ULIDs and the like). */
const KEY_RE = /^[\x21-\x7e]{1,255}$/;

interface Entry {
  fingerprint: string;
  createdAt: number;
  done: { status: number; contentType: string | undefined; body: string } | null;
}

export interface IdempotencyOptions {
  now: () => number;
  maxKeys?: number;
  ttlMs?: number;
  maxBytes?: number;
}

export type Lookup =
  | { kind: 'new' }
  | { kind: 'replay'; status: number; contentType: string | undefined; body: string }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

/** The store behind the hooks: an LRU of (principal, key) → first response. */
export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxKeys: number;
  private readonly ttlMs: number;
  private readonly maxBytes: number;

  constructor(private readonly o: IdempotencyOptions) {
    this.maxKeys = o.maxKeys ?? 10_000;
    this.ttlMs = o.ttlMs ?? 24 * 3600_000;
    this.maxBytes = o.maxBytes ?? 32 * 1024 * 1024;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Looks the key up; when it is new, reserves it (in progress) for this fingerprint. */
  begin(principalId: string, key: string, fingerprint: string): Lookup {
    const id = `${principalId}\n${key}`;
    const e = this.entries.get(id);
    if (e && this.o.now() - e.createdAt < this.ttlMs) {
      this.entries.delete(id);
      this.entries.set(id, e);
      if (e.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return e.done ? { kind: 'replay', ...e.done } : { kind: 'in_progress' };
    }
    if (e) this.drop(id, e);
    this.entries.set(id, { fingerprint, createdAt: this.o.now(), done: null });
    this.evict();
    return { kind: 'new' };
  }

  /** Keeps the response of a reserved key. */
  complete(principalId: string, key: string, status: number, contentType: string | undefined, body: string): void {
    const e = this.entries.get(`${principalId}\n${key}`);
    if (!e || e.done) return;
    e.done = { status, contentType, body };
    this.bytes += body.length;
    this.evict();
  }

  /** Releases a reserved key without a kept response (5xx, aborted request): the next try runs again. */
  abort(principalId: string, key: string): void {
    const id = `${principalId}\n${key}`;
    const e = this.entries.get(id);
    if (e && !e.done) this.drop(id, e);
  }

  private drop(id: string, e: Entry): void {
    this.entries.delete(id);
    if (e.done) this.bytes -= e.done.body.length;
  }

  private evict(): void {
    for (const [id, e] of this.entries) {
      if (this.entries.size <= this.maxKeys && this.bytes <= this.maxBytes) return;
      this.drop(id, e);
    }
  }
}

const SLOT = Symbol('idempotency');
type WithSlot = FastifyRequest & { [SLOT]?: { principalId: string; key: string } };

/** What identifies "the same request": method, URL and JSON body. */
function fingerprint(req: FastifyRequest): string {
  return createHash('sha256').update(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`).digest('base64url');
}

/**
 * Route hooks that make a POST idempotent: spread them into the route options,
 * `app.post(path, { ...hooks }, handler)`. Requests without the header pass through untouched.
 */
export function idempotencyHooks(cache: IdempotencyCache, auth: ApiAuth) {
  return {
    preHandler: async (req: FastifyRequest, reply: FastifyReply) => {
      const raw = req.headers[IDEMPOTENCY_HEADER];
      if (raw === undefined) return;
      const key = Array.isArray(raw) ? raw[0] ?? '' : raw;
      if (!KEY_RE.test(key)) throw new RwError('RW_ERR_VALIDATION', 'Idempotency-Key must be 1–255 printable ASCII characters');
      const principalId = principalOf(req, auth).id;
      const found = cache.begin(principalId, key, fingerprint(req));
      switch (found.kind) {
        case 'new':
          (req as WithSlot)[SLOT] = { principalId, key };
          return;
        case 'replay':
          reply.status(found.status).header(REPLAYED_HEADER, 'true');
          if (found.contentType) reply.type(found.contentType);
          return reply.send(found.body);
        case 'mismatch':
          return reply.status(422).send({ code: 'RW_ERR_VALIDATION', message: 'this Idempotency-Key was used with another request (method, path or body); use a new key' });
        case 'in_progress':
          return reply.status(409).send({ code: 'RW_ERR_VALIDATION', message: 'a request with this Idempotency-Key is still in progress; retry later' });
      }
    },
    onSend: async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const slot = (req as WithSlot)[SLOT];
      if (!slot) return payload;
      (req as WithSlot)[SLOT] = undefined;
      if (reply.statusCode < 500 && typeof payload === 'string') {
        const ct = reply.getHeader('content-type');
        cache.complete(slot.principalId, slot.key, reply.statusCode, typeof ct === 'string' ? ct : undefined, payload);
      } else {
        cache.abort(slot.principalId, slot.key);
      }
      return payload;
    },
    onResponse: async (req: FastifyRequest) => {
      const slot = (req as WithSlot)[SLOT];
      if (slot) cache.abort(slot.principalId, slot.key);
    },
  };
}
