// The one policy function (architecture.md "Scope"): MQTT ACL, HTTP API, socket.io rooms and exports
// all ask it whether a principal may see or act on something. Jurisdictions are GB/T 2260 codes.

export type Scope =
  | { kind: 'platform' }
  | { kind: 'enterprise'; enterpriseId: string }
  | { kind: 'jurisdiction'; codes: string[]; sectors?: string[] };

export type Role = 'admin' | 'operator' | 'regulator' | 'enterprise';

export interface Principal {
  /** `user:{username}`, `token:{id}` or `device:{enterprise}.{device}`. */
  id: string;
  role: Role | 'device';
  scope: Scope;
}

/** What a scope decision needs to know about an enterprise. */
export interface EnterpriseRef {
  id: string;
  county: string;
  sector: string;
}

/** GB/T 2260: 530000 province, 530300 prefecture, 530302 county. The significant prefix covers all below. */
export function regionPrefix(code: string): string {
  let c = code;
  while (c.length > 2 && c.endsWith('00')) c = c.slice(0, -2);
  return c;
}

export function scopeCoversEnterprise(scope: Scope, e: EnterpriseRef): boolean {
  switch (scope.kind) {
    case 'platform':
      return true;
    case 'enterprise':
      return scope.enterpriseId === e.id;
    case 'jurisdiction':
      if (scope.sectors && scope.sectors.length > 0 && !scope.sectors.includes(e.sector)) return false;
      return scope.codes.some((c) => e.county.startsWith(regionPrefix(c)));
  }
}

/** Platform-health (`kind: system`) things are visible to platform scope only. */
export const scopeCoversPlatform = (scope: Scope): boolean => scope.kind === 'platform';

export const isAdmin = (p: Principal): boolean => p.role === 'admin' && p.scope.kind === 'platform';
