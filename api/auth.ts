// Who is calling: a session cookie (console), a bearer API token, or HTTP Basic with a device
// credential (HTTP ingest). No route but /healthz answers anonymous callers.
import type { FastifyRequest } from 'fastify';
import { RwError } from '../core/errors.ts';
import { isLoopbackAddress } from '../core/loopback.ts';
import type { Principal } from '../core/scope.ts';

export const SESSION_COOKIE = 'rw_session';

export interface ApiAuth {
  /** contract.md: credentials over plaintext HTTP are refused unless the caller is on loopback or this is set. */
  allowPlaintext: boolean;
  session(id: string): (Principal & { demo: boolean }) | null;
  token(token: string): Principal | null;
  device(username: string, password: string): { enterpriseId: string; deviceId: string; demo: boolean } | null;
}

export function cookie(req: FastifyRequest, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export const isLoopbackRequest = (req: FastifyRequest): boolean => isLoopbackAddress(req.socket.remoteAddress);

/** Credentials may not cross a plaintext, non-loopback connection unless explicitly allowed. */
export function assertTransport(req: FastifyRequest, auth: ApiAuth): void {
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  if (!encrypted && !auth.allowPlaintext && !isLoopbackRequest(req)) {
    throw new RwError('RW_ERR_AUTH', 'credentials over plaintext HTTP are refused; use TLS (or set RISKWATCH_ALLOW_PLAINTEXT_AUTH on an internal network)');
  }
}

/** The principal of a user session or API token; throws RW_ERR_AUTH when there is none. */
export function principalOf(req: FastifyRequest, auth: ApiAuth): Principal {
  assertTransport(req, auth);
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) {
    const p = auth.token(h.slice(7).trim());
    if (p) return p;
    throw new RwError('RW_ERR_AUTH', 'invalid or revoked API token');
  }
  const sid = cookie(req, SESSION_COOKIE);
  const user = sid ? auth.session(sid) : null;
  if (user) {
    if (user.demo && !isLoopbackRequest(req)) throw new RwError('RW_ERR_AUTH', 'demo credentials are accepted on loopback only');
    return user;
  }
  throw new RwError('RW_ERR_AUTH', 'log in (POST /api/login) or send an API token (Authorization: Bearer …)');
}

/** A device credential over HTTP Basic (`{enterprise}.{device}` : token), as on MQTT. */
export function deviceOf(req: FastifyRequest, auth: ApiAuth): { enterpriseId: string; deviceId: string } {
  assertTransport(req, auth);
  const h = req.headers.authorization;
  if (h?.startsWith('Basic ')) {
    const raw = Buffer.from(h.slice(6), 'base64').toString('utf8');
    const colon = raw.indexOf(':');
    const d = colon > 0 ? auth.device(raw.slice(0, colon), raw.slice(colon + 1)) : null;
    if (d && (!d.demo || isLoopbackRequest(req))) return d;
  }
  throw new RwError('RW_ERR_AUTH', 'send the device credential as HTTP Basic ({enterprise}.{device}:{token})');
}
