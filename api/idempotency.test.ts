// The Idempotency-Key store: per principal, first response kept, bounded by keys, bytes and age.
// (The HTTP behaviour is exercised through the alert routes in api/routes/alerts.test.ts.)
import { describe, expect, it } from 'vitest';
import { IdempotencyCache, type Lookup } from './idempotency.ts';

type Op =
  | { begin: [principal: string, key: string, fingerprint: string]; expect: Lookup['kind'] }
  | { complete: [principal: string, key: string, body: string] }
  | { abort: [principal: string, key: string] }
  | { advance: number };

const H = 3600_000;
const rows: { why: string; opts?: { maxKeys?: number; maxBytes?: number; ttlMs?: number }; ops: Op[] }[] = [
  {
    why: 'a completed key replays; the same key with another request is a mismatch',
    ops: [{ begin: ['u1', 'k', 'f1'], expect: 'new' }, { complete: ['u1', 'k', '{"ok":1}'] }, { begin: ['u1', 'k', 'f1'], expect: 'replay' }, { begin: ['u1', 'k', 'f2'], expect: 'mismatch' }],
  },
  {
    why: 'a key still running is in progress for a second caller',
    ops: [{ begin: ['u1', 'k', 'f1'], expect: 'new' }, { begin: ['u1', 'k', 'f1'], expect: 'in_progress' }],
  },
  {
    why: 'keys are per principal: another caller with the same key starts afresh',
    ops: [{ begin: ['u1', 'k', 'f1'], expect: 'new' }, { complete: ['u1', 'k', 'x'] }, { begin: ['u2', 'k', 'f1'], expect: 'new' }],
  },
  {
    why: 'an aborted key (5xx, client gone) runs again',
    ops: [{ begin: ['u1', 'k', 'f1'], expect: 'new' }, { abort: ['u1', 'k'] }, { begin: ['u1', 'k', 'f1'], expect: 'new' }],
  },
  {
    why: 'abort after completion keeps the response',
    ops: [{ begin: ['u1', 'k', 'f1'], expect: 'new' }, { complete: ['u1', 'k', 'x'] }, { abort: ['u1', 'k'] }, { begin: ['u1', 'k', 'f1'], expect: 'replay' }],
  },
  {
    why: 'after 24 h a key is forgotten (Stripe keeps keys 24 h)',
    ops: [{ begin: ['u1', 'k', 'f1'], expect: 'new' }, { complete: ['u1', 'k', 'x'] }, { advance: 24 * H - 1 }, { begin: ['u1', 'k', 'f1'], expect: 'replay' }, { advance: 1 }, { begin: ['u1', 'k', 'f2'], expect: 'new' }],
  },
  {
    why: 'at maxKeys the least recently used key goes first',
    opts: { maxKeys: 2 },
    ops: [
      { begin: ['u', 'a', 'f'], expect: 'new' }, { complete: ['u', 'a', 'A'] },
      { begin: ['u', 'b', 'f'], expect: 'new' }, { complete: ['u', 'b', 'B'] },
      { begin: ['u', 'a', 'f'], expect: 'replay' }, // a is now the most recently used
      { begin: ['u', 'c', 'f'], expect: 'new' }, // evicts b
      { begin: ['u', 'a', 'f'], expect: 'replay' },
      { begin: ['u', 'b', 'f'], expect: 'new' },
    ],
  },
  {
    why: 'bodies are bounded in bytes too: a large response pushes out the oldest',
    opts: { maxBytes: 10 },
    ops: [
      { begin: ['u', 'a', 'f'], expect: 'new' }, { complete: ['u', 'a', '123456'] },
      { begin: ['u', 'b', 'f'], expect: 'new' }, { complete: ['u', 'b', '123456'] },
      { begin: ['u', 'b', 'f'], expect: 'replay' },
      { begin: ['u', 'a', 'f'], expect: 'new' },
    ],
  },
];

describe('IdempotencyCache', () => {
  it.each(rows)('$why', ({ opts, ops }) => {
    let now = 0;
    const c = new IdempotencyCache({ now: () => now, ...opts });
    for (const op of ops) {
      if ('begin' in op) expect(c.begin(...op.begin).kind, JSON.stringify(op)).toBe(op.expect);
      else if ('complete' in op) c.complete(op.complete[0], op.complete[1], 200, 'application/json', op.complete[2]);
      else if ('abort' in op) c.abort(...op.abort);
      else now += op.advance;
    }
  });

  it('replays status, content type and body as first sent', () => {
    const c = new IdempotencyCache({ now: () => 0 });
    c.begin('u', 'k', 'f');
    c.complete('u', 'k', 409, 'application/json; charset=utf-8', '{"code":"RW_ERR_ILLEGAL_TRANSITION"}');
    expect(c.begin('u', 'k', 'f')).toEqual({ kind: 'replay', status: 409, contentType: 'application/json; charset=utf-8', body: '{"code":"RW_ERR_ILLEGAL_TRANSITION"}' });
  });
});
