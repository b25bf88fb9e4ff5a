// Small parsers for CLI arguments.
import type { Role, Scope } from '../core/scope.ts';

/** `platform`, `enterprise:ID` or `jurisdiction:530302,530400[:sector,sector]`. */
export function parseScopeArg(s: string): Scope {
  if (s === 'platform') return { kind: 'platform' };
  const [kind, a, b] = s.split(':');
  if (kind === 'enterprise' && a) return { kind: 'enterprise', enterpriseId: a };
  if (kind === 'jurisdiction' && a) return { kind: 'jurisdiction', codes: a.split(','), ...(b ? { sectors: b.split(',') } : {}) };
  throw new Error(`scope "${s}": use platform, enterprise:ID or jurisdiction:CODE[,CODE][:SECTOR,…]`);
}

export function parseRoleArg(s: string): Role {
  if (s === 'admin' || s === 'operator' || s === 'regulator' || s === 'enterprise') return s;
  throw new Error(`role "${s}": use admin, operator, regulator or enterprise`);
}
