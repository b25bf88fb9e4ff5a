// docs/integration.md is the contract as built: this suite makes its examples real and its tables true.
// - Every fenced bash/json/js/yaml block carries `<!-- example: NAME … -->` (test/support/markdown-examples.ts).
// - JSON payloads are published over MQTT to a platform whose clock reads the doc's "now"
//   (2026-11-22 08:01 +08:00); the tag says the outcome: `expect=accepted,…|duplicate|RW_ERR_…|closed|status`.
// - Shell blocks run with bash (the Node block with node) against a real-time platform, in document order,
//   with the ports rewritten and the tokens they print carried into the later ones ($DEVICE_TOKEN …).
// - The tables of error codes, sensor types, qualities, metrics and environment variables match the code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { MqttClient } from 'mqtt';
import { systemClock, type Clock } from '../core/clock.ts';
import { ERROR_CODES, HTTP_STATUS, type ErrorCode } from '../core/errors.ts';
import { QUALITIES } from '../core/reading.ts';
import { DeviceSchema, type RegistryDef } from '../core/registry.ts';
import { SENSOR_TYPES, type SensorTypeDef } from '../core/sensor-types.ts';
import { PlatformSchema } from '../app/config.ts';
import { PACK_VERSION } from '../rules/packs/index.ts';
import { loadConfigFile } from '../app/config-file.ts';
import { startTestPlatform, until, type TestPlatform } from './support/platform.ts';
import { connect, deviceOpts } from './support/mqtt.ts';
import { codeSpans, docExamples, docTable, fencedBlocks, type DocExample } from './support/markdown-examples.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/integration.md'), 'utf8');
const EXAMPLES = docExamples(DOC);
const DEMO: RegistryDef = loadConfigFile(join(ROOT, 'config/demo.yaml')).registry;

/** The platform time the payload examples are written for (the doc says so in its introduction). */
const DOC_NOW = Date.parse('2026-11-22T08:01:00+08:00');

/** The codes contract.md's "Rejections" table names (the contract itself lives outside this repository). */
const CONTRACT_CODES: ErrorCode[] = [
  'RW_ERR_TOPIC', 'RW_ERR_PAYLOAD_JSON', 'RW_ERR_PAYLOAD_SCHEMA', 'RW_ERR_BATCH_TOO_LARGE', 'RW_ERR_UNKNOWN_SENSOR',
  'RW_ERR_UNKNOWN_METRIC', 'RW_ERR_VALUE', 'RW_ERR_QUALITY', 'RW_ERR_TS_FUTURE', 'RW_ERR_TS_TOO_OLD', 'RW_ERR_TS_FORMAT',
  'RW_ERR_ACL_DENIED', 'RW_ERR_BACKLOG_FULL', 'RW_ERR_AUTH', 'RW_ERR_FORBIDDEN', 'RW_ERR_ILLEGAL_TRANSITION',
  'RW_ERR_VERSION_CONFLICT', 'RW_ERR_VALIDATION',
];
const CONTRACT_FILE = process.env.RISKWATCH_CONTRACT ?? '/work/shared/contract.md';

const REJECT_KEYS = ['code', 'message', 'topic', 'sensorId', 'seq', 'index', 'receivedAt'].sort();
const sorted = <T>(xs: Iterable<T>): T[] => [...xs].sort();

describe('docs/integration.md: structure and tables', () => {
  it('tags every bash, json, js and yaml block as an example, with unique names', () => {
    const untagged = fencedBlocks(DOC).filter((b) => ['bash', 'sh', 'json', 'js', 'ts', 'yaml'].includes(b.lang) && !b.example);
    expect(untagged.map((b) => `line ${b.line} (${b.lang})`)).toEqual([]);
    const names = EXAMPLES.map((e) => e.name);
    expect(names.length).toBe(new Set(names).size);
  });

  it('lists in its error table exactly the codes of core/errors.ts that the contract names, with their HTTP status', () => {
    if (existsSync(CONTRACT_FILE)) {
      const named = new Set([...readFileSync(CONTRACT_FILE, 'utf8').matchAll(/RW_ERR_[A-Z_]+/g)].map((m) => m[0]));
      expect(sorted(named)).toEqual(sorted(CONTRACT_CODES));
    }
    const rows = docTable(DOC, 'error-codes');
    const codes = rows.map((r) => codeSpans(r[0]!)[0]);
    expect(codes.length).toBe(new Set(codes).size);
    expect(sorted(codes)).toEqual(sorted(CONTRACT_CODES));
    for (const c of codes) expect(Object.keys(ERROR_CODES)).toContain(c);
    for (const r of rows) {
      const code = codeSpans(r[0]!)[0] as ErrorCode;
      expect(Number.parseInt(r[r.length - 1]!, 10), `HTTP status of ${code}`).toBe(HTTP_STATUS[code] ?? 400);
    }
  });

  it('names every other code of core/errors.ts in its second table', () => {
    const main = docTable(DOC, 'error-codes').map((r) => codeSpans(r[0]!)[0]);
    const extra = docTable(DOC, 'error-codes-extra').map((r) => codeSpans(r[0]!)[0]);
    expect(sorted([...main, ...extra])).toEqual(sorted(Object.keys(ERROR_CODES)));
  });

  it('shows every sensor type of core/sensor-types.ts with its metric names, units and nominal interval', () => {
    const rows = docTable(DOC, 'sensor-types');
    const types = SENSOR_TYPES as Record<string, SensorTypeDef>;
    expect(sorted(rows.map((r) => codeSpans(r[0]!)[0]))).toEqual(sorted(Object.keys(types)));
    for (const r of rows) {
      const id = codeSpans(r[0]!)[0]!;
      const t = types[id]!;
      expect(r[1], `${id} name`).toBe(t.zh);
      const metrics = r[3]!.split('<br>').map((cell) => {
        const m = /^`([^`]+)`\s+(\S+)\s+\((.*)\)$/.exec(cell.trim());
        if (!m) throw new Error(`${id}: metric cell "${cell}" is not "\`name\` unit (中文)"`);
        return [m[1], { unit: m[2], zh: m[3] }] as const;
      });
      expect(Object.fromEntries(metrics), `${id} metrics`).toEqual(
        Object.fromEntries(Object.entries(t.metrics).map(([k, m]) => [k, { unit: m.kind === 'boolean' ? 'boolean' : m.unit, zh: m.zh }])),
      );
      expect(Number.parseInt(r[4]!, 10), `${id} interval`).toBe(t.intervalS);
    }
  });

  it('lists exactly the qualities of core/reading.ts', () => {
    expect(docTable(DOC, 'qualities').map((r) => codeSpans(r[0]!)[0])).toEqual([...QUALITIES]);
  });

  it('documents every RISKWATCH_* variable the platform reads', () => {
    const documented = new Set(docTable(DOC, 'env').flatMap((r) => codeSpans(r[0]!)));
    const read = new Set<string>();
    const scan = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const path = join(dir, f);
        if (statSync(path).isDirectory()) scan(path);
        else if (f.endsWith('.ts') && !f.endsWith('.test.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/RISKWATCH_[A-Z_]+/g)) read.add(m[0]);
      }
    };
    for (const d of ['app', 'api', 'broker', 'core', 'ingest', 'storage', 'rules']) scan(join(ROOT, d));
    expect(sorted([...read].filter((v) => !documented.has(v)))).toEqual([]);
  });

  it('has configuration examples that their schemas accept', () => {
    const yamls = EXAMPLES.filter((e) => e.lang === 'yaml');
    expect(yamls.map((e) => e.attrs.schema).sort()).toEqual(['devices', 'platform']);
    for (const ex of yamls) {
      const doc = parseYaml(ex.code) as Record<string, unknown>;
      if (ex.attrs.schema === 'platform') PlatformSchema.parse(doc.platform);
      else {
        const devices = z.array(DeviceSchema).parse(doc.devices);
        const e = DEMO.enterprises.find((x) => x.id === 'qilin-coal')!;
        const sensors = new Set(e.sites.flatMap((s) => s.sensors.map((x) => x.id)));
        for (const d of devices) for (const s of d.sensors) expect(sensors, `${ex.name}: sensor ${s}`).toContain(s);
      }
    }
  });
});

// ---- JSON payload examples: published over MQTT at the doc's "now" -------------------------------------

interface DeviceSession { client: MqttClient; rejects: Record<string, unknown>[] }

describe('docs/integration.md: JSON payload examples (published over MQTT)', () => {
  const docClock: Clock = { now: () => DOC_NOW, setTimeout: systemClock.setTimeout, setInterval: systemClock.setInterval };
  let q: TestPlatform;
  let bearer: string;
  const sessions = new Map<string, DeviceSession>();
  const captured = new Map<string, Record<string, unknown>[]>();

  beforeAll(async () => {
    q = await startTestPlatform(DEMO, { clock: docClock });
    bearer = q.registry.createToken('docs-test', 'operator', { kind: 'platform' }, 'test').token;
  });
  afterAll(async () => {
    for (const s of sessions.values()) s.client.end(true);
    await q?.cleanup();
  });

  async function session(username: string): Promise<DeviceSession> {
    const s = sessions.get(username);
    if (s?.client.connected) return s;
    const client = await connect(q.mqttPort, deviceOpts(username, q.registry.demoTokenFor(username)));
    const fresh: DeviceSession = { client, rejects: [] };
    client.on('message', (_topic, payload) => fresh.rejects.push(JSON.parse(payload.toString()) as Record<string, unknown>));
    const [e, d] = username.split('.');
    await client.subscribeAsync(`errors/${e}/${d}`, { qos: 0 });
    sessions.set(username, fresh);
    return fresh;
  }

  function publisher(ex: DocExample): string {
    const [root, e, a, b] = ex.attrs.topic!.split('/');
    if (ex.attrs.device) return `${e}.${ex.attrs.device}`;
    if (root === 'gateways' || root === 'status') return `${e}.${a}`;
    const sensor = q.registry.compiled.sensors.get(`${e}/${b}`);
    if (!sensor) throw new Error(`${ex.name}: no sensor ${e}/${b} in the demo registry`);
    return `${e}.${sensor.info.deviceIds[0]}`;
  }

  const counts = () => ({ accepted: q.counters.ingest.accepted, duplicates: q.counters.ingest.duplicates, rejected: q.counters.ingest.rejectedTotal() });

  const jsonExamples = EXAMPLES.filter((e) => e.lang === 'json');

  it('covers accepted, duplicate and rejected payloads', () => {
    const outcomes = new Set(jsonExamples.flatMap((e) => (e.attrs.expect ?? '').split(',')));
    for (const o of ['accepted', 'duplicate', 'closed', 'status', 'RW_ERR_PAYLOAD_JSON', 'RW_ERR_UNKNOWN_METRIC', 'RW_ERR_TS_FUTURE']) expect(outcomes).toContain(o);
  });

  for (const ex of jsonExamples) {
    it(`${ex.name} (line ${ex.line}): ${ex.attrs.kind === 'reject' ? `is the reject of ${ex.attrs.of}` : `${ex.attrs.topic} → ${ex.attrs.expect}`}`, async () => {
      if (ex.attrs.kind === 'reject') {
        const got = captured.get(ex.attrs.of!);
        expect(got, `no rejects captured for ${ex.attrs.of}`).toBeDefined();
        expect(sorted(Object.keys(JSON.parse(ex.code)))).toEqual(REJECT_KEYS);
        expect(JSON.parse(ex.code)).toEqual(got![0]);
        return;
      }
      const topic = ex.attrs.topic!;
      const expected = ex.attrs.expect!;
      const payload = ex.code.trim();
      const s = await session(publisher(ex));
      const before = counts();
      const seen = s.rejects.length;

      if (expected === 'closed') {
        const denied = q.counters.broker.aclDenied;
        const lastPos = q.journal.stats().lastPos;
        const closed = new Promise<void>((r) => s.client.once('close', () => r()));
        s.client.publish(topic, payload, { qos: 1 });
        await closed;
        expect(counts()).toEqual(before);
        expect(q.journal.stats().lastPos).toBe(lastPos);
        expect(q.counters.broker.aclDenied).toBe(denied + 1);
        return;
      }

      if (expected === 'status') {
        await s.client.publishAsync(topic, payload, { qos: 1, retain: true });
        const device = topic.split('/')[2]!;
        const res = await fetch(`${q.urls.http}/api/sensors?enterprise=${topic.split('/')[1]}`, { headers: { authorization: `Bearer ${bearer}` } });
        const body = (await res.json()) as { items: { devices: { deviceId: string; online: boolean }[] }[] };
        const state = body.items.flatMap((i) => i.devices).find((d) => d.deviceId === device);
        expect(state?.online).toBe((JSON.parse(payload) as { online: boolean }).online);
        expect(counts()).toEqual(before);
        return;
      }

      const outcomes = expected.split(',');
      for (const o of outcomes) expect(['accepted', 'duplicate', ...Object.keys(ERROR_CODES)]).toContain(o);
      const codes = outcomes.filter((o) => o.startsWith('RW_ERR_'));
      await s.client.publishAsync(topic, payload, { qos: 1 });
      // Counters are final when the PUBACK arrives; the reject messages follow on errors/….
      expect(counts()).toEqual({
        accepted: before.accepted + outcomes.filter((o) => o === 'accepted').length,
        duplicates: before.duplicates + outcomes.filter((o) => o === 'duplicate').length,
        rejected: before.rejected + codes.length,
      });
      await until(() => s.rejects.length >= seen + codes.length, 5000, `${codes.length} reject message(s)`);
      const rejects = s.rejects.slice(seen);
      expect(rejects.map((r) => r.code)).toEqual(codes);
      for (const r of rejects) expect(sorted(Object.keys(r))).toEqual(REJECT_KEYS);
      captured.set(ex.name, rejects);
    });
  }

  it('serves every metric of the metrics table on /metrics, and documents every riskwatch_ metric there', async () => {
    const text = await (await fetch(q.urls.metrics)).text();
    const served = [...text.matchAll(/^# TYPE (riskwatch_\S+)/gm)].map((m) => m[1]!).filter((n) => !n.startsWith('riskwatch_process_'));
    const documented = docTable(DOC, 'metrics').map((r) => codeSpans(r[0]!)[0]!);
    expect(sorted(documented)).toEqual(sorted(served));
  });
});

// ---- Shell and Node examples: run for real, in document order --------------------------------------------

interface RunResult { code: number | null; stdout: string; stderr: string }
interface Ctx { p: TestPlatform; env: Record<string, string> }
interface ShellCheck {
  before?: (ctx: Ctx) => void;
  /** Runs while the example's process runs (e.g. publishes what a subscriber should see). */
  during?: (ctx: Ctx) => Promise<void>;
  check: (out: RunResult, ctx: Ctx) => void | Promise<void>;
}

const jsonLines = (s: string): Record<string, unknown>[] => s.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
/** Lines printed by `curl -w ' %{http_code}\n'`: a JSON body, a space, the status. */
const answers = (s: string): { status: number; body: Record<string, unknown> }[] => s.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => {
  const at = l.lastIndexOf(' ');
  return { status: Number(l.slice(at + 1)), body: JSON.parse(l.slice(0, at)) as Record<string, unknown> };
});
/** The fields of an alert event (contract.md "Alerts"). */
const EVENT_KEYS = ['eventId', 'id', 'version', 'kind', 'event', 'level', 'levelNo', 'previousLevel', 'nativeAlarm', 'condition', 'handling',
  'retrospective', 'enterpriseId', 'siteId', 'sensorId', 'metric', 'parentId', 'rule', 'ruleVersion', 'thresholdSource', 'value', 'threshold',
  'unit', 'ackByEnterprise', 'ackByCentre', 'deadline', 'tier', 'message', 'at', 'raisedAt'].sort();
const userName = (username: string): string => DEMO.users.find((u) => u.username === username)!.name;
const journalOf = (p: TestPlatform, sensor: string) => p.journal.read(0, 1e6).filter((e) => e.enterpriseId === 'qilin-coal' && e.sensorId === sensor);

const SHELL: Record<string, ShellCheck> = {
  'device-add': {
    before: ({ p }) => { p.registry.refreshIfChanged(); },
    check: (out, { p, env }) => {
      const m = /token \(shown once\): (\S+)/.exec(out.stdout);
      expect(m, out.stdout).not.toBeNull();
      env.DEVICE_TOKEN = m![1]!;
      p.registry.refreshIfChanged();
      expect(p.registry.checkDevice('qilin-coal.substation-1', env.DEVICE_TOKEN)).not.toBeNull();
    },
  },
  'pub-sensor': {
    check: (_out, { p }) => {
      expect(journalOf(p, 'ch4-1101-t0').some((e) => e.values.ch4 === 0.42 && e.seq === 1 && e.source === 'mqtt')).toBe(true);
    },
  },
  'pub-gateway': {
    check: (_out, { p }) => {
      expect(journalOf(p, 'ch4-1101-t0').some((e) => e.values.ch4 === 0.43 && e.seq === 2)).toBe(true);
      expect(journalOf(p, 'co-1101').map((e) => e.values)).toContainEqual({ co: 3 });
      expect(journalOf(p, 'feed-1101-face').map((e) => e.values)).toContainEqual({ feed: true });
    },
  },
  'watch-errors': {
    check: (out) => {
      const lines = jsonLines(out.stdout);
      const reject = lines.find((l) => l.topic === 'gateways/qilin-coal/substation-1');
      expect(reject, out.stdout).toBeDefined();
      expect(sorted(Object.keys(reject!))).toEqual(REJECT_KEYS);
      expect(reject).toMatchObject({ code: 'RW_ERR_UNKNOWN_METRIC', sensorId: 'ch4-1101-t0', index: 0 });
      expect(lines.find((l) => 'errors' in l)).toMatchObject({ code: 'RW_ERR_UNKNOWN_METRIC', accepted: 0, rejected: 1 });
    },
  },
  'http-ingest': {
    check: (out, { p }) => {
      expect(jsonLines(out.stdout)[0]).toEqual({ accepted: 1, duplicates: 0, rejected: 0, errors: [] });
      expect(journalOf(p, 'ch4-1101-t1').some((e) => e.source === 'http' && e.values.ch4 === 0.4)).toBe(true);
    },
  },
  'token-add-admin': {
    check: (out, { env }) => {
      const m = /\(shown once\): (\S+)/.exec(out.stdout);
      expect(m, out.stdout).not.toBeNull();
      env.ADMIN_TOKEN = m![1]!;
    },
  },
  'import-cli': {
    check: (out, { p }) => {
      expect(out.stdout).toContain('imported 2, duplicates 0, rejected 0');
      expect(journalOf(p, 'ch4-1101-t0').filter((e) => e.source === 'import')).toHaveLength(2);
    },
  },
  'import-http': {
    check: (out, { p }) => {
      expect(jsonLines(out.stdout)[0]).toMatchObject({ accepted: 2, rejected: 0 });
      expect(journalOf(p, 'co-1101').filter((e) => e.source === 'import')).toHaveLength(2);
    },
  },
  'token-http': {
    check: (out, { env }) => {
      const t = jsonLines(out.stdout)[0] as { id: string; token: string; mqttUsername: string };
      expect(t.mqttUsername).toBe(`token.${t.id}`);
      env.TOKEN_ID = t.id;
      env.API_TOKEN = t.token;
    },
  },
  'token-sub': {
    during: async ({ p, env }) => {
      await until(() => !!(p.broker!.aedes as unknown as { clients: Record<string, unknown> }).clients[`token.${env.TOKEN_ID}`], 10_000, 'the subscriber');
      await new Promise((r) => setTimeout(r, 300));
      // Out of scope first (玉溪 530425 is not under 曲靖 530300), then in scope.
      const yuxi = await connect(p.mqttPort, deviceOpts('yuxi-mining.gnss-gw', p.registry.demoTokenFor('yuxi-mining.gnss-gw')));
      await yuxi.publishAsync('sensors/yuxi-mining/pond-1/gp-01', JSON.stringify({ ts: Date.now(), values: { dx: 0.1, dy: 0.2, dh: -0.1 } }), { qos: 1 });
      yuxi.end(true);
      const qilin = await connect(p.mqttPort, deviceOpts('qilin-coal.substation-2', p.registry.demoTokenFor('qilin-coal.substation-2')));
      await qilin.publishAsync('sensors/qilin-coal/mine-1/ch4-1103-t0', JSON.stringify({ ts: Date.now(), values: { ch4: 0.2 } }), { qos: 1 });
      qilin.end(true);
    },
    check: (out) => {
      expect(out.stdout.split('\n')[0]).toMatch(/^sensors\/qilin-coal\/mine-1\/ch4-1103-t0 \{/);
    },
  },
  'login-read': {
    check: (out) => {
      const [login, me, sensors] = jsonLines(out.stdout) as [Record<string, unknown>, Record<string, unknown>, { items: Record<string, unknown>[]; nextCursor: string }];
      expect(login).toMatchObject({ username: 'operator', role: 'operator' });
      expect(me).toMatchObject({ id: 'user:operator', role: 'operator', scope: { kind: 'platform' } });
      expect(sensors.items.map((s) => s.sensorId)).toEqual(['ch4-1101-t0', 'ch4-1101-t1']);
      expect(sensors.items[0]).toMatchObject({ freshness: 'fresh', metrics: { ch4: { unit: '%vol' } } });
      expect(sensors.items[0]!.latest).not.toBeNull();
      expect(sensors.nextCursor).toBe('2');
    },
  },
  'enterprise-state': {
    check: (out, { p }) => {
      expect(jsonLines(out.stdout)[0]).toMatchObject({ state: 'suspended', from: '2026-11-23' });
      expect(p.registry.compiled.enterprises.get('qilin-coal')!.state.state).toBe('suspended');
    },
  },
  metrics: {
    check: (out) => {
      const m = /^riskwatch_readings_accepted_total (\d+)/m.exec(out.stdout);
      expect(m, out.stdout).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(0);
      expect(out.stdout).toMatch(/^riskwatch_spool_limit_bytes \d+/m);
    },
  },
  'alert-watch': {
    check: (out, { env }) => {
      const ev = jsonLines(out.stdout)[0]!;
      expect(sorted(Object.keys(ev))).toEqual(EVENT_KEYS);
      expect(ev).toMatchObject({
        event: 'raised', version: 1, kind: 'process', level: 'orange', levelNo: 2, previousLevel: null, nativeAlarm: '断电',
        condition: 'active', handling: 'open', retrospective: false, enterpriseId: 'qilin-coal', siteId: 'mine-1', sensorId: 'ch4-1101-t0',
        metric: 'ch4', parentId: null, rule: 'mine_ch4.threshold', ruleVersion: PACK_VERSION, thresholdSource: 'design', value: 1.62, threshold: 1.5,
        unit: '%vol', ackByEnterprise: null, ackByCentre: null, tier: 0,
      });
      env.ALERT_ID = ev.id as string;
    },
  },
  'alert-ack': {
    check: (out, { p, env }) => {
      const [first, again, other] = answers(out.stdout);
      expect(first).toMatchObject({ status: 200, body: { id: env.ALERT_ID, version: 2, handling: 'acknowledged', ackByEnterprise: userName('qilin-coal'), ackByCentre: null } });
      expect(again, 'the retry is answered from the Idempotency-Key').toEqual(first);
      expect(other).toMatchObject({ status: 422, body: { code: 'RW_ERR_VALIDATION' } });
      expect(p.rules.manager.get(env.ALERT_ID!)!.version, 'acknowledged once').toBe(2);
    },
  },
  'alert-bulk-ack': {
    check: (out, { env }) => {
      const [bulk, list] = jsonLines(out.stdout) as [Record<string, unknown>, { items: Record<string, unknown>[] }];
      expect(bulk).toEqual({ results: [{ id: env.ALERT_ID, ok: true, version: 3 }, { id: 'no-such-alert', ok: false, code: 'RW_ERR_NOT_FOUND' }] });
      expect(list.items.find((a) => a.id === env.ALERT_ID)).toMatchObject({ version: 3, handling: 'acknowledged', ackByEnterprise: userName('qilin-coal'), ackByCentre: userName('operator') });
      for (const a of list.items) expect(a).toMatchObject({ enterpriseId: 'qilin-coal', kind: 'process' });
    },
  },
  'alert-assess': {
    check: (out) => {
      const r = answers(out.stdout);
      expect(r.map((x) => [x.status, x.body.code ?? x.body.handling])).toEqual([
        [409, 'RW_ERR_VERSION_CONFLICT'], [409, 'RW_ERR_ILLEGAL_TRANSITION'], [200, 'assessed'], [200, 'handling'], [409, 'RW_ERR_ILLEGAL_TRANSITION'],
      ]);
      expect(r[0]!.body.version).toBe(3);
      expect(r[3]!.body).toMatchObject({ version: 5, verdict: 'real', condition: 'active' });
    },
  },
  'alert-detail': {
    check: (out, { env }) => {
      const lines = out.stdout.split('\n').filter((l) => l.startsWith('{'));
      expect(answers(lines[0]!)[0]).toMatchObject({ status: 403, body: { code: 'RW_ERR_FORBIDDEN' } });
      const detail = JSON.parse(lines[1]!) as { alert: Record<string, unknown>; events: Record<string, unknown>[]; audit: { actor: { party: string } | null }[]; evidence: { samples: { value: number }[]; rule: Record<string, unknown> } };
      expect(detail.alert).toMatchObject({ id: env.ALERT_ID, version: 5, handling: 'handling', verdict: 'real' });
      expect(detail.events.map((e) => [e.version, e.event])).toEqual([[1, 'raised'], [2, 'acknowledged'], [3, 'acknowledged'], [4, 'assessed'], [5, 'handling']]);
      expect(detail.audit.map((a) => a.actor?.party ?? null)).toEqual([null, 'enterprise', 'centre', 'enterprise', 'enterprise']);
      expect(detail.evidence.rule).toMatchObject({ id: 'mine_ch4.threshold', kind: 'threshold', version: PACK_VERSION });
      expect(detail.evidence.samples.at(-1)!.value).toBe(1.62);
      expect(JSON.parse(lines[2]!), 'the retained alert-state/… is the alert view').toEqual(detail.alert);
    },
  },
  'node-gateway': {
    check: (out, { p }) => {
      expect(out.stdout).toContain('durable');
      expect(journalOf(p, 'wind-1101').map((e) => e.values)).toContainEqual({ velocity: 1.9 });
    },
  },
};

function runProcess(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs: number }): { done: Promise<RunResult> } {
  const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdin.on('error', () => {}); // a process that exits before reading stdin: EPIPE is expected
  child.stdin.end(o.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
  const done = new Promise<RunResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
  return { done };
}

describe('docs/integration.md: shell and Node examples (run for real)', () => {
  let p: TestPlatform;
  let cwd: string;
  let metricsPort: number;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    p = await startTestPlatform(DEMO);
    metricsPort = Number(new URL(p.urls.metrics).port);
    cwd = mkdtempSync(join(tmpdir(), 'rw-docs-'));
  });
  afterAll(async () => {
    await p?.cleanup();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  /** The doc's default ports → this platform's; `npx riskwatch` → this checkout's CLI. */
  function localize(code: string): string {
    const out = code
      .replaceAll('127.0.0.1:1883', `127.0.0.1:${p.mqttPort}`)
      .replace(/-p 1883\b/g, `-p ${p.mqttPort}`)
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${p.httpPort}`)
      .replaceAll('127.0.0.1:9464', `127.0.0.1:${metricsPort}`)
      .replaceAll('npx riskwatch ', `node ${join(ROOT, 'bin/riskwatch.js')} `);
    expect(out, 'a default port in a form the test does not rewrite').not.toMatch(/\b(1883|8080|9464)\b/);
    return out;
  }

  const runnable = EXAMPLES.filter((e) => (e.lang === 'bash' || e.lang === 'js') && !e.attrs.skip);

  it('knows how to check every runnable example, and every check has its example', () => {
    expect(sorted(runnable.map((e) => e.name))).toEqual(sorted(Object.keys(SHELL)));
  });

  for (const ex of runnable) {
    it(`${ex.name} (line ${ex.line})`, async () => {
      const check = SHELL[ex.name];
      if (!check) throw new Error(`no check for example ${ex.name}`);
      const ctx: Ctx = { p, env };
      check.before?.(ctx);
      const procEnv: NodeJS.ProcessEnv = {
        ...process.env, ...env,
        RISKWATCH_CONFIG: join(ROOT, 'config/demo.yaml'), RISKWATCH_DATA_DIR: p.dataDir, RISKWATCH_HTTP_PORT: String(p.httpPort),
      };
      const code = localize(ex.code);
      const run = ex.lang === 'js'
        ? runProcess(process.execPath, ['--input-type=module'], { cwd: ROOT, env: procEnv, input: code, timeoutMs: 15_000 })
        : runProcess('bash', ['-eo', 'pipefail', '-c', code], { cwd, env: procEnv, timeoutMs: 15_000 });
      const [out] = await Promise.all([run.done, check.during?.(ctx)]);
      expect(out.code, `exit status of ${ex.name}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`).toBe(0);
      await check.check(out, ctx);
    });
  }
});
