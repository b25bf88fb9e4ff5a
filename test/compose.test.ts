// The docker compose deployment (docker-compose.yml, Dockerfile, .env.example, deploy/, docs/deploy.md),
// checked statically: there is no Docker engine on these machines, so nothing here builds an image or
// starts a container. What is checked:
// - dclint 3.1.0 (environment.md: validates compose offline; its compose schema and every default rule)
//   finds nothing, and does find a planted mistake (so a silent linter cannot pass the suite);
// - the riskwatch service sets only RISKWATCH_* variables the app reads, and all of contract.md's InfluxDB
//   ones; its ports, health check and data dir agree with what the app listens on and where it writes;
// - every ${VAR} compose interpolates is in .env.example and the other way round; secrets are never literal;
// - every bind-mounted path exists (the Grafana ones belong to dashboards/: this stays red until they land);
// - the Dockerfile's CMD is package.json's start script, and its runtime stage has no toolchain and no root;
// - the image's CMD, run here as a plain process with the riskwatch service's environment (ports moved to
//   spare ones), passes the compose health check, keeps metrics off non-loopback addresses, refuses
//   plaintext credentials from a non-loopback peer unless RISKWATCH_ALLOW_PLAINTEXT_AUTH=1, refuses demo
//   logins from such a peer either way, and stops cleanly on SIGTERM within stop_grace_period.
import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import mqtt from 'mqtt';
import { freePort } from './support/ports.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const DCLINT = join(ROOT, 'node_modules/.bin/dclint');

const COMPOSE_TEXT = read('docker-compose.yml');

interface PortLong { target: number; published: string; host_ip: string; protocol?: string }
interface Service {
  image?: string; build?: unknown; stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  environment?: Record<string, string>;
  ports?: PortLong[];
  healthcheck?: { test: string[] };
}
const COMPOSE = parseYaml(COMPOSE_TEXT, { merge: true }) as { name?: string; version?: unknown; services: Record<string, Service>; volumes?: Record<string, unknown> };
const svc = (name: string): Service => {
  const s = COMPOSE.services[name];
  if (!s) throw new Error(`no service ${name} in docker-compose.yml`);
  return s;
};
const env = (name: string): Record<string, string> => svc(name).environment ?? {};

/** `${VAR}`, `${VAR:-default}`, `${VAR:?message}` → { name, op, arg }. */
const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;
const interpolations = (text: string) => [...text.matchAll(INTERPOLATION)].map((m) => ({ name: m[1]!, op: m[2] ?? '', arg: m[3] ?? '' }));
/** The value compose would use with an empty .env: the default of `${VAR:-default}`, literal text kept. */
const withDefaults = (v: string): string => v.replace(INTERPOLATION, (_all, _n, op: string | undefined, arg: string | undefined) => (op === ':-' || op === '-' ? arg ?? '' : ''));

/** KEY=value lines of .env.example. */
const ENV_EXAMPLE = new Map(read('.env.example').split('\n')
  .map((l) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(l))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => [m[1]!, m[2]!] as const));

/** The RISKWATCH_* variables the app reads: `env.RISKWATCH_X` / `process.env.RISKWATCH_X` in app/ (tests excluded). */
function variablesTheAppReads(): Set<string> {
  const out = new Set<string>();
  for (const f of readdirSync(join(ROOT, 'app'))) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
    for (const m of read(`app/${f}`).matchAll(/\benv(?:\.|\[')(RISKWATCH_[A-Z0-9_]+)/g)) out.add(m[1]!);
  }
  return out;
}

/** Bind mounts (`./host:/container[:ro]`, host side with defaults applied). */
const bindMounts = (s: Service) => (s.volumes ?? [])
  .map((v) => withDefaults(v))
  .filter((v) => v.startsWith('./') || v.startsWith('/'))
  .map((v) => { const [host, target, mode] = v.split(':'); return { host: host!, target: target!, mode: mode ?? 'rw' }; });

describe('dclint 3.1.0', () => {
  it('is the pinned version', async () => {
    const { stdout } = await run(DCLINT, ['--version']);
    expect(stdout.trim()).toBe('3.1.0');
  });

  it('finds no error and no warning in docker-compose.yml (schema and every default rule, none disabled)', async () => {
    const res = await run(DCLINT, ['docker-compose.yml', '-f', 'json'], { cwd: ROOT }).catch((e: { stdout: string }) => e);
    const report = JSON.parse(res.stdout) as { messages: { rule: string; type: string; line: number; message: string }[] }[];
    const messages = report.flatMap((r) => r.messages).map((m) => `${m.type} ${m.rule} line ${m.line}: ${m.message}`);
    expect(messages).toEqual([]);
  });

  it('does report a planted mistake (a version key, a port without interface, an unknown key)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-dclint-'));
    try {
      const broken = `version: "3.9"\n${COMPOSE_TEXT}`
        .replace(/^ {4}restart: unless-stopped\n/m, '    restart: unless-stopped\n    restartt: always\n')
        .replace(/^ {2}influxdb:\n/m, '  influxdb:\n    ports:\n      - "8086:8086"\n');
      writeFileSync(join(dir, 'docker-compose.yml'), broken);
      const res = await run(DCLINT, ['docker-compose.yml', '-f', 'json'], { cwd: dir }).then(() => null, (e: { stdout: string; code: number }) => e);
      expect(res?.code).toBe(1);
      const rules = new Set((JSON.parse(res!.stdout) as { messages: { rule: string }[] }[]).flatMap((r) => r.messages.map((m) => m.rule)));
      // dclint stops at a schema error before its rules run: the rules are shown on a second file without it.
      expect(rules).toContain('invalid-schema');
      writeFileSync(join(dir, 'docker-compose.yml'), broken.replace('    restartt: always\n', ''));
      const res2 = await run(DCLINT, ['docker-compose.yml', '-f', 'json'], { cwd: dir }).then(() => null, (e: { stdout: string }) => e);
      const rules2 = new Set((JSON.parse(res2!.stdout) as { messages: { rule: string }[] }[]).flatMap((r) => r.messages.map((m) => m.rule)));
      expect(rules2).toContain('no-version-field');
      expect(rules2).toContain('no-unbound-port-interfaces');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('riskwatch service ↔ the app', () => {
  const rw = env('riskwatch');

  it('sets only RISKWATCH_* variables the app reads', () => {
    const reads = variablesTheAppReads();
    const unread = Object.keys(rw).filter((k) => k.startsWith('RISKWATCH_') && !reads.has(k));
    expect(unread, `set in docker-compose.yml but read nowhere in app/*.ts: ${unread.join(', ')}`).toEqual([]);
    // The Dockerfile's ENV too.
    const dockerEnv = [...read('Dockerfile').matchAll(/\b(RISKWATCH_[A-Z0-9_]+)=/g)].map((m) => m[1]!);
    expect(dockerEnv.filter((k) => !reads.has(k))).toEqual([]);
  });

  it("sets contract.md's InfluxDB variables to the compose-internal InfluxDB and its mapped database", () => {
    expect(rw.RISKWATCH_INFLUX_URL).toBe('http://influxdb:8086');
    expect(rw.RISKWATCH_INFLUX_DB).toBe(env('influxdb').DOCKER_INFLUXDB_INIT_BUCKET);
    expect(rw.RISKWATCH_INFLUX_TOKEN).toMatch(/^\$\{RISKWATCH_INFLUX_TOKEN:\?/);
    // Grafana's datasource reaches the same database.
    const gf = env('grafana');
    expect(gf.RISKWATCH_INFLUX_URL).toBe(rw.RISKWATCH_INFLUX_URL);
    expect(gf.RISKWATCH_INFLUX_DB).toBe(rw.RISKWATCH_INFLUX_DB);
    expect(gf.RISKWATCH_INFLUX_TOKEN).toMatch(/^\$\{[A-Z_]+:\?/);
  });

  it('listens on all interfaces inside the container; plaintext auth and simulators are off unless .env says otherwise', () => {
    expect(rw.RISKWATCH_BIND_HOST).toBe('0.0.0.0');
    expect(withDefaults(rw.RISKWATCH_ALLOW_PLAINTEXT_AUTH!)).toBe('0');
    expect(withDefaults(rw.RISKWATCH_SIMULATE!)).toBe('0');
  });

  it('publishes MQTT, MQTT/TLS and HTTP on the ports the app listens on, each bound to an interface; never metrics', () => {
    const ports = svc('riskwatch').ports ?? [];
    expect(ports.map((p) => p.target).sort()).toEqual([1883, 8080, 8883]);
    expect(Number(rw.RISKWATCH_MQTT_PORT)).toBe(1883);
    expect(Number(rw.RISKWATCH_HTTP_PORT)).toBe(8080);
    // 8883 is the app's default mqtt.tls.port (app/config.ts); there is no environment variable for it.
    expect(read('app/config.ts')).toMatch(/tls: Tls\.extend\(\{ port: z\.number\(\)\.int\(\)\.min\(0\)\.max\(65535\)\.default\(8883\) \}\)/);
    for (const p of Object.values(COMPOSE.services).flatMap((s) => s.ports ?? [])) {
      expect(p.host_ip, `port ${p.target} without host_ip`).toBeTruthy();
      expect(withDefaults(p.host_ip), `port ${p.target} defaults to every interface`).toBe('127.0.0.1');
    }
    const metrics = Number(rw.RISKWATCH_METRICS_PORT);
    expect(metrics).toBe(9464);
    const published = Object.values(COMPOSE.services).flatMap((s) => s.ports ?? []).flatMap((p) => [p.target, Number(p.published)]);
    expect(published).not.toContain(metrics);
  });

  it('checks health on /healthz of its HTTP port with node (no curl in the slim image)', () => {
    const test = svc('riskwatch').healthcheck?.test ?? [];
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(test[3]).toContain(`http://127.0.0.1:${rw.RISKWATCH_HTTP_PORT}/healthz`);
  });

  it('keeps its data in the named volume at RISKWATCH_DATA_DIR, which the image creates for its user', () => {
    const dataDir = rw.RISKWATCH_DATA_DIR!;
    expect(svc('riskwatch').volumes).toContain(`riskwatch-data:${dataDir}`);
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toContain(`RISKWATCH_DATA_DIR=${dataDir}`);
    expect(dockerfile).toContain(`chown node:node ${dataDir}`);
  });

  it('starts after the services it depends on are healthy, and each of those has a health check', () => {
    for (const [name, s] of Object.entries(COMPOSE.services)) {
      for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
        expect(cond.condition, `${name} → ${dep}`).toBe('service_healthy');
        expect(svc(dep).healthcheck, `${dep} has no healthcheck`).toBeDefined();
      }
    }
    expect(Object.keys(svc('riskwatch').depends_on ?? {})).toEqual(['influxdb']);
  });
});

/** Every string value of the parsed compose file: what compose interpolates (comments are not). */
const scalars = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(scalars) : v !== null && typeof v === 'object' ? Object.values(v).flatMap(scalars) : [];

describe('variables and secrets', () => {
  const used = scalars(COMPOSE).flatMap(interpolations);
  const usedNames = new Set(used.map((u) => u.name));

  it('every ${VAR} in docker-compose.yml is in .env.example, and .env.example has nothing compose does not use', () => {
    expect([...usedNames].filter((n) => !ENV_EXAMPLE.has(n))).toEqual([]);
    expect([...ENV_EXAMPLE.keys()].filter((n) => !usedNames.has(n))).toEqual([]);
  });

  it('secrets are required (${VAR:?…}), never literal, and empty in .env.example', () => {
    const secret = /PASSWORD|TOKEN|SECRET/;
    for (const [name, s] of Object.entries(COMPOSE.services)) {
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        if (!secret.test(k)) continue;
        expect(String(v), `${name}.${k}`).toMatch(/^\$\{[A-Z_]+:\?[^}]+\}$/);
      }
    }
    for (const u of used.filter((x) => secret.test(x.name))) {
      expect(u.op, u.name).toBe(':?');
      expect(ENV_EXAMPLE.get(u.name), u.name).toBe('');
    }
  });

  it('every .env.example variable is explained in docs/deploy.md', () => {
    const doc = read('docs/deploy.md');
    expect([...ENV_EXAMPLE.keys()].filter((n) => !doc.includes(n))).toEqual([]);
  });
});

describe('mounted files', () => {
  it('every bind-mounted host path exists', () => {
    const missing = Object.entries(COMPOSE.services).flatMap(([name, s]) =>
      bindMounts(s).filter((m) => !existsSync(join(ROOT, m.host))).map((m) => `${name}: ${m.host}`));
    expect(missing, 'Grafana provisioning and dashboards come from dashboards/grafana/ (another change)').toEqual([]);
  });

  it("Grafana: provisioning and dashboards read-only; the dashboard provider's path is the dashboards mount; every ${VAR} the provisioning expands is set", () => {
    const mounts = bindMounts(svc('grafana'));
    const prov = mounts.find((m) => m.target === '/etc/grafana/provisioning');
    const dash = mounts.find((m) => m.host === './dashboards/grafana/dashboards');
    expect(prov?.host).toBe('./dashboards/grafana/provisioning');
    expect(prov?.mode).toBe('ro');
    expect(dash?.mode).toBe('ro');
    const dir = join(ROOT, 'dashboards/grafana/provisioning');
    expect(existsSync(dir), 'dashboards/grafana/provisioning does not exist yet').toBe(true);
    const files = (sub: string) => (existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, sub, f)) : []);
    const providers = files('dashboards').flatMap((f) => ((parseYaml(readFileSync(f, 'utf8')) as { providers?: { options?: { path?: string } }[] }).providers ?? []));
    expect(providers.length, 'no dashboard provider under provisioning/dashboards').toBeGreaterThan(0);
    for (const p of providers) expect(p.options?.path).toBe(dash?.target);
    const gf = env('grafana');
    const expanded = [...files('datasources'), ...files('dashboards')].flatMap((f) => interpolations(readFileSync(f, 'utf8')).map((u) => u.name));
    expect(expanded.filter((n) => !(n in gf))).toEqual([]);
  });

  it('Grafana: no anonymous access, no sign-up, admin password from .env, Beijing time, Simplified Chinese', () => {
    const gf = env('grafana');
    expect(gf.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    expect(gf.GF_USERS_ALLOW_SIGN_UP).toBe('false');
    expect(gf.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
    expect(gf.GF_DATE_FORMATS_DEFAULT_TIMEZONE).toBe('Asia/Shanghai');
    expect(gf.GF_USERS_DEFAULT_LANGUAGE).toBe('zh-Hans');
  });

  it('InfluxDB: the init script is mounted into /docker-entrypoint-initdb.d, executable, valid bash, and maps db riskwatch/autogen as default', async () => {
    const m = bindMounts(svc('influxdb')).find((x) => x.target.startsWith('/docker-entrypoint-initdb.d/'));
    expect(m?.target).toMatch(/\.sh$/); // the image runs them with run-parts --regex '.*sh$'
    const script = join(ROOT, m!.host);
    expect(() => accessSync(script, constants.X_OK), 'run-parts skips scripts that are not executable').not.toThrow();
    expect(statSync(script).mode & 0o111).not.toBe(0);
    await run('bash', ['-n', script]);
    const text = readFileSync(script, 'utf8');
    expect(text).toMatch(/influx v1 dbrp create --db "\$\{db\}" --rp autogen --bucket-id "\$\{bucket_id\}" --default/);
    expect(env('influxdb').DOCKER_INFLUXDB_INIT_MODE).toBe('setup');
    expect(env('influxdb').DOCKER_INFLUXDB_INIT_BUCKET).toBe('riskwatch');
  });

  it('images are pinned to a version', () => {
    for (const [name, s] of Object.entries(COMPOSE.services)) {
      if (s.build !== undefined) continue;
      expect(s.image, name).toMatch(/^[a-z0-9./-]+:\d+(\.\d+)*(-[a-z0-9.]+)?$/);
    }
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile').split('\n');
  // Continuation lines joined, comments dropped.
  const instructions = lines.join('\n').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: string[][] = [];
  for (const i of instructions) {
    if (/^FROM\s/i.test(i)) stages.push([]);
    stages.at(-1)?.push(i);
  }

  it('builds in two stages from node:20-bookworm-slim (package.json engines: Node 20)', () => {
    expect(stages.length).toBe(2);
    for (const s of stages) expect(s[0]).toMatch(/^FROM node:20-bookworm-slim(\s+AS\s+\w+)?$/);
    expect(JSON.parse(read('package.json')).engines.node).toMatch(/<21/);
  });

  it('the build stage has python3, make and g++ for better-sqlite3 and runs npm ci; the runtime stage has no toolchain', () => {
    const build = stages[0]!.join('\n');
    for (const tool of ['python3', 'make', 'g++']) expect(build).toContain(tool);
    expect(build).toMatch(/RUN npm ci\b/);
    const runtime = stages[1]!.join('\n');
    expect(runtime).not.toMatch(/apt-get|python3|g\+\+|\bmake\b/);
    expect(runtime).toMatch(/COPY --from=build \/app\/node_modules/);
  });

  it('runs as a non-root user', () => {
    const users = stages[1]!.filter((i) => /^USER\s/.test(i)).map((i) => i.split(/\s+/)[1]);
    expect(users.at(-1)).toBe('node');
  });

  it('CMD is the start script of package.json', () => {
    const cmd = stages[1]!.filter((i) => /^CMD\s/.test(i)).at(-1)!;
    const argv = JSON.parse(cmd.replace(/^CMD\s+/, '')) as string[];
    expect(argv.join(' ')).toBe(JSON.parse(read('package.json')).scripts.start);
  });

  it('.dockerignore keeps secrets, dependencies, VCS and data out of the build context', () => {
    const ignored = new Set(read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
    for (const p of ['.env', 'node_modules', '.git', 'data', '.tmp', 'bench']) expect(ignored, p).toContain(p);
  });
});

describe('README', () => {
  it('links the deployment guide and still starts with npm ci && npm start', () => {
    const readme = read('README.md');
    expect(readme).toContain('docs/deploy.md');
    expect(readme.indexOf('npm ci && npm start')).toBeLessThan(readme.indexOf('docs/deploy.md'));
  });
});

describe('the riskwatch service environment on a real platform (the image CMD as a process; no Docker)', () => {
  const lan = Object.values(networkInterfaces()).flat().find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
  const cmd = (JSON.parse(read('Dockerfile').match(/^CMD\s+(\[.*\])$/m)![1]!) as string[]);
  const rwEnv = env('riskwatch');
  const graceMs = Number.parseInt(svc('riskwatch').stop_grace_period ?? '10', 10) * 1000;

  interface Running { http: number; mqtt: number; metrics: number; token: string; stop(): Promise<number | null> }

  // One data dir (and API token) for both runs, as a container keeps its volume across restarts.
  const dataDir = mkdtempSync(join(tmpdir(), 'rw-compose-'));
  let token: string | null = null;
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** The service's environment with .env empty (defaults), /app → this checkout, spare ports, a temp data dir. */
  async function start(overrides: Record<string, string>): Promise<Running> {
    const ports = { http: await freePort(), mqtt: await freePort(), metrics: await freePort() };
    const composed = Object.fromEntries(Object.entries(rwEnv).map(([k, v]) => [k, withDefaults(String(v)).replace(/^\/app\//, ROOT)]));
    const childEnv: Record<string, string> = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RISKWATCH_')) as [string, string][]),
      ...composed,
      RISKWATCH_DATA_DIR: dataDir,
      RISKWATCH_HTTP_PORT: String(ports.http), RISKWATCH_MQTT_PORT: String(ports.mqtt), RISKWATCH_METRICS_PORT: String(ports.metrics),
      RISKWATCH_MQTT_WS_PORT: 'off',
      // InfluxDB as down as it can be: nothing listens there. The platform must come up regardless.
      RISKWATCH_INFLUX_URL: `http://127.0.0.1:${await freePort()}`, RISKWATCH_INFLUX_TOKEN: 'unused',
      RISKWATCH_LOG_LEVEL: 'warn',
      ...overrides,
    };
    if (token === null) {
      // The CLI as docs/deploy.md runs it in the container (docker compose exec riskwatch node bin/riskwatch.js …).
      const issued = await run(process.execPath, ['bin/riskwatch.js', 'token', 'add', '--name', 'compose-test', '--role', 'admin', '--scope', 'platform'], { cwd: ROOT, env: childEnv });
      token = /shown once\): (\S+)/.exec(issued.stdout)![1]!;
    }
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const probe = svc('riskwatch').healthcheck!.test[3]!.replace(`:${rwEnv.RISKWATCH_HTTP_PORT}/`, `:${ports.http}/`);
    const deadline = Date.now() + 45_000;
    for (;;) {
      const ok = await run(process.execPath, ['-e', probe]).then(() => true, () => false);
      if (ok) break;
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the platform did not pass the compose health check (exit ${child.exitCode}):\n${stderr.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return {
      ...ports, token,
      stop: async () => {
        child.kill('SIGTERM');
        const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs))]);
        if (code === 'timeout') child.kill('SIGKILL');
        return code === 'timeout' ? -1 : code;
      },
    };
  }

  const api = (host: string, port: number, path: string, init: RequestInit = {}) => fetch(`http://${host}:${port}${path}`, init);
  const mqttLogin = (host: string, port: number, token: string) => new Promise<string>((resolve) => {
    const username = `token.${token.split('.')[0]}`;
    const c = mqtt.connect(`mqtt://${host}:${port}`, { username, password: token, clientId: username, reconnectPeriod: 0, connectTimeout: 5000 });
    c.once('connect', () => { c.end(true); resolve('connected'); });
    c.once('error', (err) => { c.end(true); resolve(`refused: ${err.message}`); });
    c.once('close', () => resolve('closed'));
  });

  it('has a non-loopback address to test from', () => {
    expect(lan, 'no non-loopback IPv4 address on this machine').toBeDefined();
  });

  it('with .env silent (RISKWATCH_ALLOW_PLAINTEXT_AUTH=0): healthy; credentials only from loopback; metrics on loopback only; clean stop', async () => {
    const p = await start({});
    try {
      const bearer = { headers: { authorization: `Bearer ${p.token}` } };
      expect((await api('127.0.0.1', p.http, '/api/sites', bearer)).status).toBe(200);
      const remote = await api(lan!, p.http, '/api/sites', bearer);
      expect(remote.status).toBe(401);
      expect(((await remote.json()) as { code: string }).code).toBe('RW_ERR_AUTH');
      expect(await mqttLogin(lan!, p.mqtt, p.token)).toMatch(/^refused/);
      expect(await mqttLogin('127.0.0.1', p.mqtt, p.token)).toBe('connected');
      expect(await (await api('127.0.0.1', p.metrics, '/metrics')).text()).toContain('riskwatch_readings_accepted_total');
      await expect(api(lan!, p.metrics, '/metrics')).rejects.toThrow();
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });

  it('with RISKWATCH_ALLOW_PLAINTEXT_AUTH=1 (.env.example): tokens from a non-loopback peer pass, demo logins still do not', async () => {
    expect(ENV_EXAMPLE.get('RISKWATCH_ALLOW_PLAINTEXT_AUTH')).toBe('1');
    const p = await start({ RISKWATCH_ALLOW_PLAINTEXT_AUTH: '1' });
    try {
      expect((await api(lan!, p.http, '/api/sites', { headers: { authorization: `Bearer ${p.token}` } })).status).toBe(200);
      expect(await mqttLogin(lan!, p.mqtt, p.token)).toBe('connected');
      const demo = await api(lan!, p.http, '/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password: 'riskwatch-demo' }) });
      expect(demo.status).toBe(401);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });
});
