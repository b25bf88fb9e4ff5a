// The live registry: a SQLite store seeded (and re-seeded) from YAML, with device credentials, users,
// API tokens, sessions and an audit trail of every change. Reads go to a compiled in-memory view.
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sensorKey } from '../../core/ids.ts';
import type { EnterpriseDef, EnterpriseState, RegistryDef, UserDef } from '../../core/registry.ts';
import type { Principal, Role, Scope } from '../../core/scope.ts';
import type { IngestRegistry } from '../../ingest/registry-view.ts';
import { demoToken, hashToken, newToken, verifyToken } from '../../broker/credentials.ts';
import { compileRegistry, type CompiledDevice, type CompiledRegistry, type CompiledSensor, type CredentialRow } from './compile.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { REGISTRY_DDL } from './schema.ts';

export interface AuditRow { id: number; at: number; actor: string; action: string; target: string; detail: string | null }
export interface UserPrincipal extends Principal { username: string; name: string; demo: boolean }
export interface TokenPrincipal extends Principal { tokenId: string; role: Role }

export class SqliteRegistry implements IngestRegistry {
  private db: Database.Database;
  private view!: CompiledRegistry;
  private listeners = new Set<(view: CompiledRegistry) => void>();
  private tokenCache = new Map<string, { hash: string; role: Role; scope: Scope; revoked: boolean }>();

  constructor(path: string, private readonly demoSecret: string, private readonly now: () => number = Date.now) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(REGISTRY_DDL);
    this.reload();
    this.dataVersion = this.db.pragma('data_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }

  private dataVersion = -1;
  /** Reloads when another connection (the CLI: `device revoke`, `token add`) changed the store. */
  refreshIfChanged(): boolean {
    const v = this.db.pragma('data_version', { simple: true }) as number;
    const changed = v !== this.dataVersion;
    this.dataVersion = v;
    if (changed) { this.tokenCache.clear(); this.reload(); }
    return changed;
  }

  // ---- seeding -------------------------------------------------------------------------------------

  /** Applies a YAML registry: enterprises are replaced by the file's version when the file changed;
   * users are created if missing (passwords are never overwritten by a re-seed). */
  seed(def: RegistryDef, source: string): { changed: boolean } {
    const digest = createHash('sha256').update(JSON.stringify(def)).digest('hex');
    const prev = this.db.prepare('SELECT v FROM registry_meta WHERE k = ?').pluck().get(`seed:${source}`);
    if (prev === digest) return { changed: false };
    const tx = this.db.transaction(() => {
      const upsert = this.db.prepare('INSERT INTO enterprises (id, doc, updated) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated = excluded.updated');
      for (const e of def.enterprises) {
        const existing = this.view.enterprises.get(e.id);
        // An enterprise state set through the API outranks the seed's.
        const doc: EnterpriseDef = existing ? { ...e, state: existing.state } : e;
        upsert.run(e.id, JSON.stringify(doc), this.now());
        this.audit(`config:${source}`, existing ? 'enterprise.update' : 'enterprise.create', e.id, null);
      }
      const insUser = this.db.prepare('INSERT OR IGNORE INTO users (username, doc, hash, demo) VALUES (?, ?, ?, ?)');
      for (const u of def.users) {
        const demo = typeof u.password !== 'string';
        const hash = typeof u.password === 'string' ? u.password : hashPassword(u.password.demo);
        const { password: _omit, ...doc } = u;
        if (insUser.run(u.username, JSON.stringify(doc), hash, demo ? 1 : 0).changes > 0) this.audit(`config:${source}`, 'user.create', u.username, null);
      }
      this.db.prepare('INSERT INTO registry_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v').run(`seed:${source}`, digest);
    });
    tx();
    this.reload();
    return { changed: true };
  }

  // ---- reads ---------------------------------------------------------------------------------------

  get compiled(): CompiledRegistry {
    return this.view;
  }
  sensor(enterpriseId: string, sensorId: string): CompiledSensor | undefined {
    return this.view.sensors.get(sensorKey(enterpriseId, sensorId));
  }
  device(username: string): CompiledDevice | undefined {
    return this.view.devices.get(username);
  }
  onChange(fn: (view: CompiledRegistry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  auditTrail(limit = 100): AuditRow[] {
    return this.db.prepare('SELECT * FROM audit ORDER BY id DESC LIMIT ?').all(limit) as AuditRow[];
  }

  // ---- devices -------------------------------------------------------------------------------------

  /** The device's demo token, when its credential is the demo one (simulators connect with it). */
  demoTokenFor(username: string): string {
    return demoToken(this.demoSecret, username);
  }

  /** Checks a device's password: one SHA-512, or one HMAC for a demo credential. */
  checkDevice(username: string, password: string): CompiledDevice | null {
    const d = this.view.devices.get(username);
    if (!d || d.revoked) return null;
    if (d.demo) return password === this.demoTokenFor(username) ? d : null;
    return d.hash !== null && verifyToken(password, d.hash) ? d : null;
  }

  /** A new random token for a registered device (replacing any earlier one); shown once. */
  issueDeviceToken(enterpriseId: string, deviceId: string, actor: string): string {
    if (!this.view.devices.has(`${enterpriseId}.${deviceId}`)) throw new Error(`no device ${deviceId} in enterprise ${enterpriseId}`);
    const token = newToken();
    this.db.prepare(`INSERT INTO device_credentials (enterprise, device, hash, revoked, created) VALUES (?, ?, ?, 0, ?)
      ON CONFLICT (enterprise, device) DO UPDATE SET hash = excluded.hash, revoked = 0, created = excluded.created`).run(enterpriseId, deviceId, hashToken(token), this.now());
    this.audit(actor, 'device.token', `${enterpriseId}.${deviceId}`, null);
    this.reload();
    return token;
  }

  revokeDevice(enterpriseId: string, deviceId: string, actor: string): void {
    const d = this.view.devices.get(`${enterpriseId}.${deviceId}`);
    if (!d) throw new Error(`no device ${deviceId} in enterprise ${enterpriseId}`);
    this.db.prepare(`INSERT INTO device_credentials (enterprise, device, hash, revoked, created) VALUES (?, ?, ?, 1, ?)
      ON CONFLICT (enterprise, device) DO UPDATE SET revoked = 1`).run(enterpriseId, deviceId, d.hash ?? hashToken(this.demoTokenFor(d.username)), this.now());
    this.audit(actor, 'device.revoke', d.username, null);
    this.reload();
  }

  /** `$6$` hash for every active device, for an external mosquitto's password file. */
  devicePasswordHashes(): { username: string; hash: string }[] {
    return [...this.view.devices.values()].filter((d) => !d.revoked)
      .map((d) => ({ username: d.username, hash: d.hash ?? hashToken(this.demoTokenFor(d.username)) }));
  }

  // ---- enterprise state ------------------------------------------------------------------------------

  setEnterpriseState(id: string, state: EnterpriseState, actor: string): EnterpriseDef {
    const e = this.view.enterprises.get(id);
    if (!e) throw new Error(`no enterprise ${id}`);
    const doc: EnterpriseDef = { ...e, state };
    this.db.prepare('UPDATE enterprises SET doc = ?, updated = ? WHERE id = ?').run(JSON.stringify(doc), this.now(), id);
    this.audit(actor, 'enterprise.state', id, JSON.stringify({ from: e.state, to: state }));
    this.reload();
    return doc;
  }

  // ---- users, sessions, tokens ---------------------------------------------------------------------

  checkUser(username: string, password: string): UserPrincipal | null {
    const row = this.db.prepare('SELECT doc, hash, demo FROM users WHERE username = ?').get(username) as { doc: string; hash: string; demo: number } | undefined;
    if (!row || !verifyPassword(password, row.hash)) return null;
    return this.userPrincipal(JSON.parse(row.doc) as Omit<UserDef, 'password'>, row.demo === 1);
  }

  createSession(username: string, ttlMs: number): string {
    const id = randomBytes(24).toString('base64url');
    this.db.prepare('INSERT INTO sessions (id, username, expires) VALUES (?, ?, ?)').run(createHash('sha256').update(id).digest('hex'), username, this.now() + ttlMs);
    return id;
  }

  sessionUser(sessionId: string): UserPrincipal | null {
    const row = this.db.prepare(`SELECT u.doc, u.demo FROM sessions s JOIN users u ON u.username = s.username WHERE s.id = ? AND s.expires > ?`)
      .get(createHash('sha256').update(sessionId).digest('hex'), this.now()) as { doc: string; demo: number } | undefined;
    return row ? this.userPrincipal(JSON.parse(row.doc), row.demo === 1) : null;
  }

  deleteSession(sessionId: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(createHash('sha256').update(sessionId).digest('hex'));
  }

  /** A scoped API token `{id}.{secret}`, stored hashed; returned once. */
  createToken(name: string, role: Role, scope: Scope, actor: string): { id: string; token: string } {
    const id = randomBytes(6).toString('hex');
    const secret = newToken();
    this.db.prepare('INSERT INTO tokens (id, name, role, scope, hash, created_by, created) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, name, role, JSON.stringify(scope), hashToken(secret), actor, this.now());
    this.audit(actor, 'token.create', id, JSON.stringify({ name, role, scope }));
    return { id, token: `${id}.${secret}` };
  }

  revokeToken(id: string, actor: string): boolean {
    const changed = this.db.prepare('UPDATE tokens SET revoked = 1 WHERE id = ? AND revoked = 0').run(id).changes > 0;
    this.tokenCache.delete(id);
    if (changed) this.audit(actor, 'token.revoke', id, null);
    return changed;
  }

  checkToken(token: string): TokenPrincipal | null {
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const id = token.slice(0, dot);
    let t = this.tokenCache.get(id);
    if (!t) {
      const row = this.db.prepare('SELECT hash, role, scope, revoked FROM tokens WHERE id = ?').get(id) as { hash: string; role: Role; scope: string; revoked: number } | undefined;
      if (!row) return null;
      t = { hash: row.hash, role: row.role, scope: JSON.parse(row.scope) as Scope, revoked: row.revoked === 1 };
      this.tokenCache.set(id, t);
    }
    if (t.revoked || !verifyToken(token.slice(dot + 1), t.hash)) return null;
    return { id: `token:${id}`, tokenId: id, role: t.role, scope: t.scope };
  }

  audit(actor: string, action: string, target: string, detail: string | null): void {
    this.db.prepare('INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)').run(this.now(), actor, action, target, detail);
  }

  private userPrincipal(u: Omit<UserDef, 'password'>, demo: boolean): UserPrincipal {
    return { id: `user:${u.username}`, username: u.username, name: u.name, role: u.role, scope: u.scope as Scope, demo };
  }

  private reload(): void {
    const docs = (this.db.prepare('SELECT doc FROM enterprises ORDER BY id').pluck().all() as string[]).map((d) => JSON.parse(d) as EnterpriseDef);
    const creds = this.db.prepare('SELECT enterprise, device, hash, revoked FROM device_credentials').all() as CredentialRow[];
    this.view = compileRegistry(docs, creds);
    for (const fn of this.listeners) fn(this.view);
  }
}
