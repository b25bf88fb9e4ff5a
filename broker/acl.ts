// The MQTT ACL of contract.md as pure functions; the aedes hooks (embedded.ts) only adapt to them.
// Scope decisions go through the one policy function (core/scope.ts).
import { scopeCoversEnterprise, scopeCoversPlatform, type EnterpriseRef, type Role, type Scope } from '../core/scope.ts';

export type MqttPrincipal =
  | { kind: 'device'; username: string; enterpriseId: string; deviceId: string; topics: ReadonlySet<string> }
  | { kind: 'token'; username: string; tokenId: string; role: Role; scope: Scope };

/** Topic roots a token principal may subscribe under; what it then receives is filtered by scope. */
const TOKEN_ROOTS: ReadonlySet<string> = new Set(['alerts', 'alert-state', 'errors', 'status', 'sensors', 'gateways']);

export function mayPublish(p: MqttPrincipal, topic: string): boolean {
  if (p.kind !== 'device') return false;
  return p.topics.has(topic) || topic === `gateways/${p.enterpriseId}/${p.deviceId}` || topic === `status/${p.enterpriseId}/${p.deviceId}`;
}

export function maySubscribe(p: MqttPrincipal, filter: string): boolean {
  if (filter.startsWith('$')) return false;
  if (p.kind === 'device') return filter === `commands/${p.enterpriseId}/${p.deviceId}` || filter === `errors/${p.enterpriseId}/${p.deviceId}`;
  const root = filter.split('/', 1)[0]!;
  return TOKEN_ROOTS.has(root) || root === '+' || root === '#';
}

/** Per message, before delivery: may this principal receive a message on `topic`? */
export function mayReceive(p: MqttPrincipal, topic: string, enterprise: (id: string) => EnterpriseRef | undefined): boolean {
  if (topic.startsWith('$')) return false;
  if (p.kind === 'device') return topic === `commands/${p.enterpriseId}/${p.deviceId}` || topic === `errors/${p.enterpriseId}/${p.deviceId}`;
  const [root, owner] = topic.split('/', 2);
  if (!root || !owner || !TOKEN_ROOTS.has(root)) return false;
  if (owner === '_platform') return scopeCoversPlatform(p.scope);
  const e = enterprise(owner);
  return !!e && scopeCoversEnterprise(p.scope, e);
}

/** The client id must equal the credential's username (a token may add `.suffix` for more sessions). */
export function clientIdMatches(p: MqttPrincipal, clientId: string): boolean {
  if (p.kind === 'device') return clientId === p.username;
  return clientId === p.username || clientId.startsWith(`${p.username}.`);
}
