import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistrySchema } from '../core/registry.ts';
import { compileRegistry, type CredentialRow } from '../storage/registry/compile.ts';
import { hashToken, verifyToken } from './credentials.ts';
import { aclFile, mosquittoConf, passwordFile, platformEntry, writeMosquittoFiles } from './mosquitto-files.ts';

const H = hashToken('device-token-0123456789');
const sensor = (id: string) => ({ id, type: 'gas_combustible', name: id, commissioned: '2026-01-01' });
const def = RegistrySchema.parse({
  enterprises: [
    { id: 'e1', name: 'E1', county: '530302', sector: 'hazchem',
      sites: [{ id: 's1', name: 'S1', kind: 'chemical_plant', location: { lat: 25, lon: 103 }, sensors: [sensor('g1'), sensor('g2'), sensor('g3')] }],
      devices: [
        { id: 'd1', name: 'D1', kind: 'gateway', sensors: ['g2', 'g1'], credential: H },
        { id: 'd2', name: 'D2', kind: 'sensor', sensors: ['g3'], credential: 'demo' },
        { id: 'gone', name: 'Gone', kind: 'sensor', sensors: ['g3'], credential: H },
      ] },
  ],
});
const revoked: CredentialRow[] = [{ enterprise: 'e1', device: 'gone', hash: H, revoked: 1 }];
const view = compileRegistry(def.enterprises, revoked);
const acl = aclFile(view);
/** The ACL lines of one `user` block. */
const block = (user: string) => {
  const lines = acl.split('\n');
  const i = lines.indexOf(`user ${user}`);
  if (i < 0) return null;
  const end = lines.indexOf('', i);
  return lines.slice(i + 1, end < 0 ? undefined : end);
};

describe('passwordFile', () => {
  it.each([
    ['one line per entry, username:$6$…, so mosquitto reads it', [{ username: 'e1.d1', hash: H }], `e1.d1:${H}\n`],
    ['empty registry: empty file, mosquitto then refuses everyone', [], ''],
  ])('%s', (_why, entries, want) => {
    expect(passwordFile(entries)).toBe(want);
  });

  it.each([
    ['a colon would end the username early in mosquitto’s parser', { username: 'e1:d1', hash: H }],
    ['a newline would inject a second credential line', { username: 'e1.d1\nx', hash: H }],
    ['a scrypt hash is for humans and mosquitto cannot check it', { username: 'u', hash: 'scrypt$16384$8$1$a$b' }],
    ['a plaintext password must never reach the file', { username: 'u', hash: 'secret' }],
  ])('refuses: %s', (_why, entry) => {
    expect(() => passwordFile([entry])).toThrow();
  });

  it('refuses duplicate usernames: mosquitto would silently keep only one of them', () => {
    expect(() => passwordFile([{ username: 'a', hash: H }, { username: 'a', hash: H }])).toThrow(/duplicate/);
  });

  it('hashes the platform user with the device scheme, so the same check applies', () => {
    const e = platformEntry('platform-password-1234');
    expect(e.username).toBe('_riskwatch');
    expect(verifyToken('platform-password-1234', e.hash)).toBe(true);
    expect(() => platformEntry('short')).toThrow(/16/);
  });
});

describe('aclFile', () => {
  it.each([
    ['a gateway may publish for each assigned sensor, its own gateway and status topics; read its commands and errors (contract.md Device ACL)',
      'e1.d1', ['topic write sensors/e1/s1/g1', 'topic write sensors/e1/s1/g2', 'topic write gateways/e1/d1', 'topic write status/e1/d1', 'topic read commands/e1/d1', 'topic read errors/e1/d1']],
    ['a demo-credential device gets the same ACL as any other', 'e1.d2',
      ['topic write sensors/e1/s1/g3', 'topic write gateways/e1/d2', 'topic write status/e1/d2', 'topic read commands/e1/d2', 'topic read errors/e1/d2']],
    ['the platform reads device topics and writes what it publishes, nothing else', '_riskwatch',
      ['topic read sensors/#', 'topic read gateways/#', 'topic read status/#', 'topic write errors/#', 'topic write alerts/#', 'topic write alert-state/#', 'topic write commands/#']],
    ['a revoked device has no block at all', 'e1.gone', null],
  ])('%s', (_why, user, want) => {
    expect(block(user)).toEqual(want);
  });

  it('grants nothing outside a user block: no anonymous or pattern lines', () => {
    const firstUser = acl.split('\n').findIndex((l) => l.startsWith('user '));
    expect(acl.split('\n').slice(0, firstUser).filter((l) => l && !l.startsWith('#'))).toEqual([]);
    expect(acl).not.toMatch(/^pattern /m);
    expect(acl).not.toMatch(/readwrite/);
  });

  it('names the platform user from the options (config mqtt.username)', () => {
    expect(aclFile(view, { platformUsername: 'rw-platform' })).toMatch(/^user rw-platform$/m);
  });
});

describe('mosquittoConf', () => {
  const conf = mosquittoConf({ port: 11883, host: '127.0.0.1', passwordFile: '/x/passwd', aclFile: '/x/acl', persistenceDir: '/x/data' });
  it.each([
    ['listens where it is told', /^listener 11883 127\.0\.0\.1$/m],
    ['no anonymous clients: every principal has a credential (contract.md)', /^allow_anonymous false$/m],
    ['client id bound to the username: a device cannot take over the platform’s persistent session', /^use_username_as_clientid true$/m],
    ['uses the generated files', /^password_file \/x\/passwd$[\s\S]*^acl_file \/x\/acl$/m],
    ['Nagle off, as on every riskwatch socket (environment.md)', /^set_tcp_nodelay true$/m],
    ['packet limit 256 KiB (contract.md Readings); riskwatch does not check it in this mode', /^max_packet_size 262144$/m],
    ['a long platform outage queues up to 100k readings', /^max_queued_messages 100000$/m],
    ['the platform session survives a broker restart', /^persistence true$[\s\S]*^persistence_location \/x\/data\/$/m],
  ])('%s', (_why, re) => {
    expect(conf).toMatch(re);
  });

  it('leaves persistence off when no directory is given, and sets user only when asked', () => {
    const c = mosquittoConf({ port: 1, host: '::1', passwordFile: 'p', aclFile: 'a' });
    expect(c).not.toMatch(/persistence/);
    expect(c).not.toMatch(/^user /m);
    expect(mosquittoConf({ port: 1, host: '127.0.0.1', passwordFile: 'p', aclFile: 'a', user: 'root' })).toMatch(/^user root$/m);
  });
});

describe('mosquittoConf on a listener that is not loopback (contract.md: no plaintext password auth there)', () => {
  const base = { port: 8883, host: '0.0.0.0', passwordFile: 'p', aclFile: 'a' };
  it.each([
    ['plaintext without an explicit allowance is refused', {}, null],
    ['an explicit allowance (behind a trusted network) is honoured', { allowPlaintextAuth: true }, /^listener 8883 0\.0\.0\.0$/m],
    ['TLS with client certificates for gateways', { tls: { certFile: '/t/c.pem', keyFile: '/t/k.pem', caFile: '/t/ca.pem', requireCertificate: true } },
      /^certfile \/t\/c\.pem\nkeyfile \/t\/k\.pem\ncafile \/t\/ca\.pem\nrequire_certificate true$/m],
  ])('%s', (_why, extra, want) => {
    if (want === null) expect(() => mosquittoConf({ ...base, ...extra })).toThrow(/not loopback/);
    else expect(mosquittoConf({ ...base, ...extra })).toMatch(want);
  });
});

describe('writeMosquittoFiles', () => {
  const source = { compiled: view, devicePasswordHashes: () => [...view.devices.values()].map((d) => ({ username: d.username, hash: d.hash ?? H })) };
  const write = (host: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-mq-files-'));
    try {
      const p = writeMosquittoFiles(dir, source, 'platform-password-1234', { host, port: 1883, allowPlaintextAuth: true });
      return { users: readFileSync(p.passwd, 'utf8').split('\n').filter(Boolean).map((l) => l.split(':')[0]), mode: statSync(p.passwd).mode & 0o777, conf: readFileSync(p.conf, 'utf8') };
    } finally { rmSync(dir, { recursive: true, force: true }); }
  };
  it.each([
    ['loopback: demo devices may connect (the simulators use them)', '127.0.0.1', ['e1.d1', 'e1.d2', '_riskwatch']],
    ['any other listener: demo credentials are left out (contract.md "Running it")', '0.0.0.0', ['e1.d1', '_riskwatch']],
  ])('%s; revoked devices never', (_why, host, users) => {
    const w = write(host);
    expect(w.users).toEqual(users);
    expect(w.mode).toBe(0o600); // hashes are secrets too
    expect(w.conf).toMatch(/^persistence_location .*\/data\/$/m);
  });
});
