import { describe, expect, it } from 'vitest';
import type { EnterpriseRef, Scope } from '../core/scope.ts';
import { clientIdMatches, mayPublish, mayReceive, maySubscribe, type MqttPrincipal } from './acl.ts';

const device: MqttPrincipal = { kind: 'device', username: 'e1.d1', enterpriseId: 'e1', deviceId: 'd1', topics: new Set(['sensors/e1/s1/ch4-1']) };
const tokenOf = (scope: Extract<MqttPrincipal, { kind: 'token' }>['scope']): MqttPrincipal => ({ kind: 'token', username: 'token.abc', tokenId: 'abc', role: 'operator', scope });
const enterprises: Record<string, EnterpriseRef> = { e1: { id: 'e1', county: '530302', sector: 'coal' }, e2: { id: 'e2', county: '530402', sector: 'hazchem' } };
const lookup = (id: string) => enterprises[id];

describe('mayPublish', () => {
  it.each([
    ['sensors/e1/s1/ch4-1', true, 'an assigned sensor'],
    ['sensors/e1/s1/ch4-2', false, 'a sensor of the same enterprise not assigned to the device'],
    ['sensors/e2/s1/ch4-1', false, "another enterprise's sensor with the same ids"],
    ['gateways/e1/d1', true, 'its own gateway topic'],
    ['gateways/e1/d2', false, "another device's gateway topic"],
    ['status/e1/d1', true, 'its own status (last will)'],
    ['status/e1/d2', false, "another device's status"],
    ['alerts/e1/s1/ch4-1', false, 'devices never publish alerts'],
    ['errors/e1/d1', false, 'errors come from the platform only'],
    ['commands/e1/d1', false, 'commands come from the platform only'],
    ['$SYS/broker/uptime', false, '$SYS is never writable'],
  ])('device → %s = %s (%s)', (topic, expected) => {
    expect(mayPublish(device, topic)).toBe(expected);
  });
  it('token principals publish nothing (they read by scope)', () => {
    expect(mayPublish(tokenOf({ kind: 'platform' }), 'sensors/e1/s1/ch4-1')).toBe(false);
  });
});

describe('maySubscribe', () => {
  it.each([
    ['commands/e1/d1', true, 'its own commands'],
    ['errors/e1/d1', true, 'its own rejects'],
    ['errors/e1/d2', false, "another device's rejects"],
    ['errors/e2/d1', false, "another enterprise's rejects"],
    ['errors/e1/+', false, 'no wildcards for devices'],
    ['#', false, 'no wildcards for devices'],
    ['alerts/e1/#', false, 'devices do not read alerts'],
    ['$SYS/#', false, '$SYS is refused'],
  ])('device ⇐ %s = %s (%s)', (filter, expected) => {
    expect(maySubscribe(device, filter)).toBe(expected);
  });
  it.each([
    ['alerts/#', true, 'scope filters what is delivered, per message'],
    ['alert-state/e1/#', true, 'retained state'],
    ['#', true, 'everything, filtered by scope'],
    ['$SYS/#', false, '$SYS is refused for every principal'],
    ['commands/e1/d1', false, 'commands are not for token principals'],
  ])('token ⇐ %s = %s (%s)', (filter, expected) => {
    expect(maySubscribe(tokenOf({ kind: 'enterprise', enterpriseId: 'e1' }), filter)).toBe(expected);
  });
});

describe('mayReceive (per message, by scope)', () => {
  it.each([
    [{ kind: 'enterprise', enterpriseId: 'e1' } as Scope, 'alerts/e1/s1/x', true, 'own enterprise'],
    [{ kind: 'enterprise', enterpriseId: 'e1' } as Scope, 'alerts/e2/s1/x', false, 'other enterprise'],
    [{ kind: 'enterprise', enterpriseId: 'e1' } as Scope, 'errors/e2/d2', false, "other enterprise's rejects"],
    [{ kind: 'enterprise', enterpriseId: 'e1' } as Scope, 'alerts/_platform/journal', false, 'system alerts are platform-only'],
    [{ kind: 'jurisdiction', codes: ['530300'] } as Scope, 'alerts/e1/s1/x', true, 'prefecture 5303 covers county 530302'],
    [{ kind: 'jurisdiction', codes: ['530300'] } as Scope, 'alerts/e2/s1/x', false, 'Yuxi 530402 is outside Qujing'],
    [{ kind: 'jurisdiction', codes: ['530000'], sectors: ['hazchem'] } as Scope, 'alerts/e1/s1/x', false, 'sector-limited: coal is not hazchem'],
    [{ kind: 'platform' } as Scope, 'alerts/_platform/journal', true, 'platform sees system alerts'],
    [{ kind: 'platform' } as Scope, 'alerts/unknown/s/x', false, 'an unknown enterprise is nobody’s'],
    [{ kind: 'platform' } as Scope, '$SYS/broker/clients', false, '$SYS is never delivered'],
  ] as [Scope, string, boolean, string][])('%j ← %s = %s (%s)', (scope, topic, expected) => {
    expect(mayReceive(tokenOf(scope), topic, lookup)).toBe(expected);
  });
  it('a device receives only its own commands and errors', () => {
    expect(mayReceive(device, 'errors/e1/d1', lookup)).toBe(true);
    expect(mayReceive(device, 'errors/e1/d2', lookup)).toBe(false);
  });
});

describe('clientIdMatches', () => {
  it.each([
    [device, 'e1.d1', true, 'device: client id equals username'],
    [device, 'e1.d2', false, "device: another device's id would take over its session"],
    [device, 'e1.d1.x', false, 'device: no suffixes'],
    [tokenOf({ kind: 'platform' }), 'token.abc', true, 'token: its username'],
    [tokenOf({ kind: 'platform' }), 'token.abc.nodered-1', true, 'token: a suffix allows several sessions'],
    [tokenOf({ kind: 'platform' }), 'token.abcd', false, 'token: another token id'],
  ])('%#: %s → %s (%s)', (p, id, expected) => {
    expect(clientIdMatches(p as MqttPrincipal, id as string)).toBe(expected);
  });
});
