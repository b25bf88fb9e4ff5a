// Property-based fuzz of the ingest boundary (contract.md "Readings", "Rejections") against the real
// embedded broker and journal: well over 10,000 malformed topics, payloads and readings, interleaved with
// valid readings. Each generated case carries its own oracle (which codes, at which array index, and
// which readings must land in the journal), written from the contract rather than from ingest's code.
//
// How malformed *topics* get in: a device publishing outside its ACL has its connection closed by the
// broker before ingest sees anything (by design), so over MQTT a bad topic never reaches the topic
// grammar check. The bulk of malformed topics is therefore fed straight into `p.ingest.handle(...)` with
// the publisher identity the broker would pass (source mqtt, e1/d1) — the very function authorizePublish
// calls — while a smaller fuzzed sample goes over MQTT with a reconnect after every close, to check that
// path too. Malformed *payloads* all go over MQTT on the topics e1.d1 may publish, at QoS 1, so the PUBACK
// tells us ingest has finished with each one.
//
// Reproduce a failure with FUZZ_SEED=<seed printed by fast-check>; FUZZ_SHRINK=1 also shrinks the batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import type { ErrorCode } from '../core/errors.ts';
import { QUALITIES } from '../core/reading.ts';
import { smallRegistry } from './support/registry-fixture.ts';
import { startTestPlatform, until, type TestPlatform } from './support/platform.ts';
import { connect, deviceOpts } from './support/mqtt.ts';

// ---------------------------------------------------------------------------------------------------
// The oracle's vocabulary

/** A valid reading the journal must hold exactly once: key (sensor|ts|seq) → what must be stored. */
interface ValidRec { key: string; stored: string }
interface Reject { code: ErrorCode; index: number | null }
/** One input to the platform: an MQTT publish by e1.d1, or a direct ingest call (malformed topics). */
interface Case { via: 'mqtt' | 'direct'; topic: string; payload: Buffer; rejects: Reject[]; valid: ValidRec[]; label: string }
interface Mat { now: number; seq(): number }
/** A generated case, materialized only when it is sent (fresh seq and timestamps, even while shrinking). */
interface Spec { label: string; make(m: Mat): Case }
interface Item { json: string; code: ErrorCode | null; valid: ValidRec | null }
interface ItemSpec { label: string; build(m: Mat, gateway: boolean): Item }

type SensorId = 'ch4-1' | 'feed-1';
const METRIC: Record<SensorId, string> = { 'ch4-1': 'ch4', 'feed-1': 'feed' };
const E1_SENSORS = new Set(['ch4-1', 'ch4-2', 'feed-1', 'pm-1']);
const ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/; // contract.md "Identifiers", restated on purpose
const DAY = 86_400_000;
const MAX_MQTT_PAYLOAD = 250_000; // under the broker's 256 KiB packet limit, with room for the header

const spec = (label: string, make: (m: Mat) => Case): Spec => ({ label, make, [fc.toStringMethod]: () => label }) as Spec;
const itemSpec = (label: string, build: ItemSpec['build']): ItemSpec => ({ label, build, [fc.toStringMethod]: () => label }) as ItemSpec;

// JSON text with a few things JSON.stringify cannot write (1e400, which JSON.parse reads as Infinity).
class Raw { constructor(readonly text: string) {} }
const RAW_MARK = '\u0001RAW\u0001';
function toJson(v: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(v, (_k, x: unknown) => (x instanceof Raw ? `${RAW_MARK}${raws.push(x.text) - 1}${RAW_MARK}` : x));
  return text.replace(/"\\u0001RAW\\u0001(\d+)\\u0001RAW\\u0001"/g, (_m, i: string) => raws[Number(i)]!);
}
/** An own property even for "__proto__" (a plain assignment would set the prototype instead). */
const setOwn = (o: Record<string, unknown>, k: string, v: unknown): void => {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
};

// ---------------------------------------------------------------------------------------------------
// Timestamps

type TsForm = 'ms' | 'isoZ' | 'iso3' | 'iso6' | 'isoSec' | 'isoMin';
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const fmtOffset = (min: number): string => (min === 0 ? 'Z' : `${min < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(min) / 60))}:${pad(Math.abs(min) % 60)}`);
/** Formats `ms` as the contract allows; returns the text and the instant it denotes (to the precision written). */
function formatTs(ms: number, form: TsForm, offsetMin: number): { ts: string | number; at: number } {
  const local = new Date(ms + offsetMin * 60_000).toISOString();
  switch (form) {
    case 'ms': return { ts: ms, at: ms };
    case 'isoZ': return { ts: new Date(ms).toISOString(), at: ms };
    case 'iso3': return { ts: local.slice(0, 23) + fmtOffset(offsetMin), at: ms };
    case 'iso6': return { ts: local.slice(0, 23) + '000' + fmtOffset(offsetMin), at: ms };
    case 'isoSec': return { ts: local.slice(0, 19) + fmtOffset(offsetMin), at: Math.floor(ms / 1000) * 1000 };
    case 'isoMin': return { ts: local.slice(0, 16) + fmtOffset(offsetMin), at: Math.floor(ms / 60_000) * 60_000 };
  }
}
const tsFormArb = fc.constantFrom<TsForm>('ms', 'isoZ', 'iso3', 'iso6', 'isoSec', 'isoMin');
const offsetArb = fc.oneof(fc.constant(0), fc.integer({ min: -12 * 60, max: 14 * 60 }), fc.constantFrom(480, -300, 345, 23 * 60 + 59));

// ---------------------------------------------------------------------------------------------------
// Readings: a valid base, and single-defect mutations of it

const garbage = (max = 40) => fc.oneof(fc.string({ unit: 'binary', maxLength: max }), fc.string({ unit: 'grapheme', maxLength: max }), fc.string({ maxLength: max }));
const flatJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), garbage(20),
  fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

interface Base { ageMs: number; form: TsForm; offsetMin: number; value: number | boolean; quality: string | undefined; boot: string | number | undefined }
const baseArb = (sensor: SensorId): fc.Arbitrary<Base> => fc.record({
  // Within the last 20 h (inside the 24 h dedupe-key window, so the "older replay" rule never applies)
  // up to 4 min ahead (the limit is 5).
  ageMs: fc.integer({ min: -240_000, max: 20 * 3600_000 }),
  form: tsFormArb,
  offsetMin: offsetArb,
  value: sensor === 'ch4-1' ? fc.double({ noNaN: true, noDefaultInfinity: true }) : fc.boolean(),
  quality: fc.option(fc.constantFrom(...QUALITIES), { nil: undefined }),
  boot: fc.option(fc.oneof(fc.string({ unit: 'binary', maxLength: 32 }), fc.integer(), fc.maxSafeInteger()), { nil: undefined }),
});

function buildValid(b: Base, sensor: SensorId, m: Mat, gateway: boolean): { obj: Record<string, unknown>; valid: ValidRec } {
  const seq = m.seq();
  const { ts, at } = formatTs(m.now - b.ageMs, b.form, b.offsetMin);
  const values: Record<string, unknown> = { [METRIC[sensor]]: b.value };
  const obj: Record<string, unknown> = gateway ? { site: 's1', sensor } : {};
  obj.ts = ts;
  obj.values = values;
  if (b.quality !== undefined) obj.quality = b.quality;
  obj.seq = seq;
  if (b.boot !== undefined) obj.boot = b.boot;
  return { obj, valid: { key: `${sensor}|${at}|${seq}`, stored: JSON.stringify([values, b.quality ?? 'ok', b.boot === undefined ? null : String(b.boot)]) } };
}

interface Mut { label: string; code: ErrorCode; apply(o: Record<string, unknown>, m: Mat): void }
const mut = (label: string, code: ErrorCode, apply: Mut['apply']): Mut => ({ label, code, apply });
const setField = (field: string, label: string, code: ErrorCode) => (v: unknown) => mut(`${label} ${field}=${String(toJsonSafe(v)).slice(0, 40)}`, code, (o) => setOwn(o, field, v));
const toJsonSafe = (v: unknown) => { try { return toJson(v); } catch { return String(v); } };

function mutations(sensor: SensorId, gateway: boolean): fc.Arbitrary<Mut> {
  const metric = METRIC[sensor];
  const known = new Set(['ts', 'values', 'quality', 'seq', 'boot', ...(gateway ? ['site', 'sensor'] : [])]);
  const wrongValue = sensor === 'ch4-1'
    ? fc.oneof(garbage(10), fc.constantFrom<unknown>(null, true, false, {}, [], [0.5], new Raw('1e400'), new Raw('-1e400')))
    : fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), garbage(10), fc.constantFrom<unknown>(null, {}, [], [true], new Raw('1e400')));
  const fromNow = (label: string, code: ErrorCode, delta: (now: number) => number, form: TsForm, off: number) =>
    mut(`${label} (${form})`, code, (o, m) => { o.ts = formatTs(delta(m.now), form, off).ts; });
  const arbs: fc.Arbitrary<Mut>[] = [
    fc.constant(mut('ts missing', 'RW_ERR_PAYLOAD_SCHEMA', (o) => { delete o.ts; })),
    fc.constantFrom<unknown>(true, false, null, {}, [], [1], { t: 1 }).map(setField('ts', 'ts of the wrong type', 'RW_ERR_TS_FORMAT')),
    garbage().filter((s) => !/^\d{4}-/.test(s)).map(setField('ts', 'ts not a date', 'RW_ERR_TS_FORMAT')),
    fc.constantFrom(
      (ms: number) => new Date(ms).toISOString().slice(0, 23), // no offset
      (ms: number) => new Date(ms).toISOString().slice(0, 10), // date only
      (ms: number) => new Date(ms).toISOString().replace('T', ' '),
      (ms: number) => new Date(ms).toISOString().replace('Z', '+08'),
      (ms: number) => new Date(ms).toISOString().replace('Z', '+0800'),
      (ms: number) => new Date(ms).toISOString().replace('Z', '+99:99'),
      (ms: number) => new Date(ms).toISOString().replace(/^(\d{4})-\d{2}/, '$1-13'),
      (ms: number) => new Date(ms).toISOString().toLowerCase(),
      (ms: number) => ` ${new Date(ms).toISOString()}`,
    ).map((f) => mut(`ts malformed ISO ${f(Date.UTC(2026, 10, 22))}`, 'RW_ERR_TS_FORMAT', (o, m) => { o.ts = f(m.now - 1000); })),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(setField('ts', 'ts in epoch seconds (or tiny)', 'RW_ERR_TS_FORMAT')),
    fc.constant(mut('ts epoch seconds of now', 'RW_ERR_TS_FORMAT', (o, m) => { o.ts = Math.floor(m.now / 1000); })),
    fc.constant(mut('ts fractional ms', 'RW_ERR_TS_FORMAT', (o, m) => { o.ts = m.now - 1000 + 0.5; })),
    fc.constantFrom(new Raw('1e400'), new Raw('-1e400')).map(setField('ts', 'ts not finite', 'RW_ERR_TS_FORMAT')),
    fc.tuple(fc.integer({ min: 6 * 60_000, max: 2 ** 31 - 1 }), fc.constantFrom<TsForm>('ms', 'isoZ', 'iso3'), offsetArb)
      .map(([d, form, off]) => fromNow(`ts ${Math.round(d / 60_000)} min in the future`, 'RW_ERR_TS_FUTURE', (now) => now + d, form, off)),
    fc.tuple(fc.integer({ min: 1, max: 7000 }), fc.constantFrom<TsForm>('ms', 'isoZ', 'iso3'), offsetArb)
      .map(([y, form, off]) => fromNow(`ts ${y} years in the future`, 'RW_ERR_TS_FUTURE', (now) => now + y * 365 * DAY, form, off)),
    fc.constantFrom(1e15, 1e20, 9007199254740993).map(setField('ts', 'ts far-future epoch ms', 'RW_ERR_TS_FUTURE')),
    fc.tuple(fc.integer({ min: 0, max: 800_000 }), fc.constantFrom<TsForm>('ms', 'isoZ', 'iso3', 'isoSec'), offsetArb)
      .map(([k, form, off]) => fromNow(`ts ${Math.round((7 * DAY + 600_000 + k * 300_000) / DAY)} days old`, 'RW_ERR_TS_TOO_OLD', (now) => now - 7 * DAY - 600_000 - k * 300_000, form, off)),
    fc.constant(mut('values missing', 'RW_ERR_PAYLOAD_SCHEMA', (o) => { delete o.values; })),
    fc.oneof(fc.constantFrom<unknown>([], [1], 1, true, null, 'ch4'), garbage(10)).map(setField('values', 'values not an object', 'RW_ERR_PAYLOAD_SCHEMA')),
    fc.constant(mut('values empty', 'RW_ERR_PAYLOAD_SCHEMA', (o) => { o.values = {}; })),
    wrongValue.map((v) => mut(`${metric} of the wrong kind: ${toJsonSafe(v).slice(0, 30)}`, 'RW_ERR_VALUE', (o) => { o.values = { [metric]: v }; })),
    fc.tuple(
      fc.oneof(
        fc.constantFrom('__proto__', 'co', 'CH4', 'ch4 ', ' ch4', '', 'p', 'energy', 'ch4', 'feed', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '0', '1e3', '甲烷'),
        garbage(20),
      ).filter((n) => n !== metric),
      fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()),
      fc.boolean(),
    ).map(([name, v, keep]) => mut(`unknown metric ${JSON.stringify(name)}${keep ? ' beside a known one' : ''}`, 'RW_ERR_UNKNOWN_METRIC', (o) => {
      const values: Record<string, unknown> = keep ? { ...(o.values as object) } : {};
      setOwn(values, name, v);
      o.values = values;
    })),
    fc.oneof(
      garbage(20).filter((q) => !(QUALITIES as readonly string[]).includes(q)),
      fc.constantFrom<unknown>('OK', 'Ok', 'ok ', 'good', 'bad', 'FAULT', 'comm-lost', 1, 0, true, null, [], {}),
    ).map(setField('quality', 'bad quality', 'RW_ERR_QUALITY')),
    fc.oneof(fc.integer({ max: -1 }), fc.constantFrom<unknown>(1.5, 0.1, '1', '', true, null, [], {}, 1e20, new Raw('1e400'))).map(setField('seq', 'bad seq', 'RW_ERR_PAYLOAD_SCHEMA')),
    fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: 65, maxLength: 150 }), fc.constantFrom<unknown>(1.5, true, null, {}, [], 1e20, -1e20)).map(setField('boot', 'bad boot', 'RW_ERR_PAYLOAD_SCHEMA')),
    fc.tuple(
      fc.oneof(fc.constantFrom('unit', 'value', 'timestamp', 'TS', 'Values', 'sensorId', 'siteId', 'site', 'sensor', '__proto__', 'constructor', '', ' ts', 'Seq'), garbage(20)).filter((k) => !known.has(k)),
      flatJson,
    ).map(([k, v]) => mut(`unknown field ${JSON.stringify(k)}`, 'RW_ERR_PAYLOAD_SCHEMA', (o) => setOwn(o, k, v))),
  ];
  if (gateway) {
    const badId = fc.oneof(
      fc.constantFrom<unknown>('', 'S1', 'CH4-1', '-x', '_x', 'a b', 'a/b', 'x'.repeat(65), '中文', 'ch4.1', 1, null, true, []),
      garbage(20).filter((s) => !ID_RE.test(s)),
    );
    const validId = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/);
    arbs.push(
      fc.constantFrom('site', 'sensor').map((f) => mut(`gateway reading without ${f}`, 'RW_ERR_PAYLOAD_SCHEMA', (o) => { delete o[f]; })),
      fc.tuple(fc.constantFrom('site', 'sensor'), badId).map(([f, v]) => mut(`gateway ${f} not an id: ${toJsonSafe(v).slice(0, 30)}`, 'RW_ERR_PAYLOAD_SCHEMA', (o) => { o[f] = v; })),
      fc.oneof(fc.constantFrom('nope', 'lel-2', 'ch4-3', 's1', 'd1'), validId).filter((s) => !E1_SENSORS.has(s))
        .map((s) => mut(`gateway sensor not registered: ${s}`, 'RW_ERR_UNKNOWN_SENSOR', (o) => { o.sensor = s; })),
      fc.oneof(fc.constantFrom('s2', 'e1', 'site1'), validId).filter((s) => s !== 's1')
        .map((s) => mut(`gateway site wrong: ${s}`, 'RW_ERR_UNKNOWN_SENSOR', (o) => { o.site = s; })),
      fc.constantFrom('ch4-2', 'pm-1').map((s) => mut(`gateway sensor of another device: ${s}`, 'RW_ERR_ACL_DENIED', (o) => { o.sensor = s; })),
    );
  }
  return fc.oneof(...arbs);
}

function readingArb(sensor: SensorId, gateway: boolean, validWeight = 2): fc.Arbitrary<ItemSpec> {
  return fc.oneof(
    { weight: validWeight, arbitrary: baseArb(sensor).map((b) => itemSpec(`valid ${sensor}`, (m, gw) => { const v = buildValid(b, sensor, m, gw); return { json: toJson(v.obj), code: null, valid: v.valid }; })) },
    { weight: 5, arbitrary: fc.tuple(baseArb(sensor), mutations(sensor, gateway)).map(([b, x]) => itemSpec(`${sensor}: ${x.label}`, (m, gw) => {
      const { obj } = buildValid(b, sensor, m, gw);
      x.apply(obj, m);
      return { json: toJson(obj), code: x.code, valid: null };
    })) },
  );
}
const notAnObject = fc.constantFrom<unknown>(1, 'x', null, true, [], [1, 2], 1.5).map((v) => itemSpec(`array item not an object: ${JSON.stringify(v)}`, () => ({ json: JSON.stringify(v), code: 'RW_ERR_PAYLOAD_SCHEMA', valid: null })));
const sensorArb = fc.constantFrom<SensorId>('ch4-1', 'feed-1');
const sensorTopic = (s: SensorId) => `sensors/e1/s1/${s}`;
const GW = 'gateways/e1/d1';

function arrayCase(label: string, topic: string, items: ItemSpec[]): Spec {
  return spec(`${label} [${items.map((i) => i.label).join('; ')}]`, (m) => {
    const built = items.map((i) => i.build(m, topic === GW));
    return {
      via: 'mqtt', topic, label, payload: Buffer.from(`[${built.map((b) => b.json).join(',')}]`),
      rejects: built.flatMap((b, index) => (b.code ? [{ code: b.code, index }] : [])),
      valid: built.flatMap((b) => (b.valid ? [b.valid] : [])),
    };
  });
}
const singleCase = (label: string, topic: string, item: ItemSpec): Spec => spec(`${label}: ${item.label}`, (m) => {
  const b = item.build(m, topic === GW);
  return { via: 'mqtt', topic, label, payload: Buffer.from(b.json), rejects: b.code ? [{ code: b.code, index: null }] : [], valid: b.valid ? [b.valid] : [] };
});
// Built once: building these arbitraries is costly, so never inside .chain.
const READINGS: Record<SensorId, { onSensorTopic: fc.Arbitrary<ItemSpec>; onGateway: fc.Arbitrary<ItemSpec> }> = {
  'ch4-1': { onSensorTopic: readingArb('ch4-1', false), onGateway: readingArb('ch4-1', true) },
  'feed-1': { onSensorTopic: readingArb('feed-1', false), onGateway: readingArb('feed-1', true) },
};
const SENSORS: SensorId[] = ['ch4-1', 'feed-1'];
const gwItem = fc.oneof(READINGS['ch4-1'].onGateway, READINGS['feed-1'].onGateway);

// ---------------------------------------------------------------------------------------------------
// Payloads that are not readings at all (one RW_ERR_PAYLOAD_JSON each)

const decoder = new TextDecoder('utf-8', { fatal: true });
/** True when the bytes are UTF-8 JSON of an object or array: those are not "not JSON". */
const isJsonContainer = (b: Uint8Array): boolean => {
  try { const v: unknown = JSON.parse(decoder.decode(b)); return typeof v === 'object' && v !== null; } catch { return false; }
};
const anyTopic = fc.oneof(sensorArb.map(sensorTopic), fc.constant(GW));
const jsonErr = (label: string, topic: string, payload: Buffer): Spec => spec(label, () => ({ via: 'mqtt', topic, label, payload, rejects: [{ code: 'RW_ERR_PAYLOAD_JSON', index: null }], valid: [] }));
const sampleValidText = (m: Mat, topic: string) => toJson(buildValid({ ageMs: 1000, form: 'ms', offsetMin: 0, value: topic.endsWith('feed-1') ? true : 0.4, quality: undefined, boot: 'b' }, topic.endsWith('feed-1') ? 'feed-1' : 'ch4-1', m, topic === GW).obj);

const notJsonArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.tuple(anyTopic, fc.uint8Array({ maxLength: 300 }).filter((b) => !isJsonContainer(b)))
    .map(([t, b]) => jsonErr(`random bytes (${b.length})`, t, Buffer.from(b))),
  fc.tuple(anyTopic, fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true })).map(([t, arr, f]) => spec(`truncated JSON (${arr ? 'array' : 'object'})`, (m) => {
    const full = arr ? `[${sampleValidText(m, t)},${sampleValidText(m, t)}]` : sampleValidText(m, t);
    const cut = Buffer.from(full.slice(0, Math.floor(f * (full.length - 1))));
    return { via: 'mqtt', topic: t, label: 'truncated', payload: cut, rejects: [{ code: 'RW_ERR_PAYLOAD_JSON', index: null }], valid: [] };
  })),
  fc.tuple(anyTopic, fc.oneof(fc.constantFrom('42', '"str"', 'true', 'false', 'null', '1e400', '-0', '""', ' 7 ', '', '   ', '\n'), fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), garbage(20).map((s) => JSON.stringify(s))))
    .map(([t, s]) => jsonErr(`JSON scalar or nothing: ${JSON.stringify(s).slice(0, 30)}`, t, Buffer.from(s))),
  fc.tuple(anyTopic, fc.integer({ min: 5, max: 3000 }), fc.constantFrom('array', 'object', 'unclosed', 'in-values')).map(([t, k, how]) => spec(`nested ${k} deep (${how})`, (m) => {
    const text = how === 'array' ? '['.repeat(k) + ']'.repeat(k)
      : how === 'object' ? '{"a":'.repeat(k) + '1' + '}'.repeat(k)
        : how === 'unclosed' ? '['.repeat(k)
          : `{"ts":${m.now - 1000},"values":{"ch4":${'['.repeat(k - 2)}1${']'.repeat(k - 2)}},"seq":${m.seq()}}`;
    return { via: 'mqtt', topic: t, label: 'deep', payload: Buffer.from(text), rejects: [{ code: 'RW_ERR_PAYLOAD_JSON', index: null }], valid: [] };
  })),
  fc.tuple(anyTopic, fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf]), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([t, bad, f]) => spec(`invalid UTF-8 ${bad.map((x) => x.toString(16)).join(' ')}`, (m) => {
      const text = Buffer.from(sampleValidText(m, t));
      const at = Math.floor(f * text.length);
      return { via: 'mqtt', topic: t, label: 'utf8', payload: Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at)]), rejects: [{ code: 'RW_ERR_PAYLOAD_JSON', index: null }], valid: [] };
    })),
  anyTopic.map((t) => spec('UTF-16 JSON', (m) => ({ via: 'mqtt', topic: t, label: 'utf16', payload: Buffer.from(sampleValidText(m, t), 'utf16le'), rejects: [{ code: 'RW_ERR_PAYLOAD_JSON', index: null }], valid: [] }))),
);

/** More than 1,000 readings in one array: refused as a whole, even though each reading is fine. */
const batchTooLargeArb = fc.tuple(anyTopic, fc.integer({ min: 1001, max: 1500 })).map(([t, n]) => spec(`${n} readings in one array`, (m) => {
  const s: SensorId = t.endsWith('feed-1') ? 'feed-1' : 'ch4-1';
  const one = (i: number) => (t === GW ? `{"site":"s1","sensor":"${s}",` : '{') + `"ts":${m.now - 5000 - i},"values":{"${METRIC[s]}":${s === 'feed-1' ? 'true' : '0.1'}},"seq":${m.seq()}}`;
  return { via: 'mqtt', topic: t, label: 'batch', payload: Buffer.from(`[${Array.from({ length: n }, (_, i) => one(i)).join(',')}]`), rejects: [{ code: 'RW_ERR_BATCH_TOO_LARGE', index: null }], valid: [] };
}));

/** Exactly 1,000 readings (the limit) mixing good and bad: the good ones are taken. */
const boundaryArb = fc.array(fc.tuple(sensorArb, fc.boolean(), fc.integer({ min: 0, max: 9 })), { minLength: 1000, maxLength: 1000 }).map((xs) => arrayCase('1000-item gateway array', GW, xs.map(([s, bad, k]) => itemSpec(bad && k === 0 ? 'bad' : 'ok', (m) => {
  const seq = m.seq();
  const ts = m.now - 60_000 - seq % 1000;
  if (bad && k === 0) return { json: `{"site":"s1","sensor":"${s}","ts":${ts},"values":{"${METRIC[s]}":"x"},"seq":${seq}}`, code: 'RW_ERR_VALUE', valid: null };
  const v = s === 'feed-1' ? true : 0.2;
  return { json: `{"site":"s1","sensor":"${s}","ts":${ts},"values":{"${METRIC[s]}":${v}},"seq":${seq}}`, code: null, valid: { key: `${s}|${ts}|${seq}`, stored: JSON.stringify([{ [METRIC[s]]: v }, 'ok', null]) } };
}))));

/** Malformed status payloads are the device's own business: ignored, never an ingest reject. */
const statusArb = fc.oneof(fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)), garbage(30).map((s) => Buffer.from(s)), fc.constantFrom('{"online":"yes"}', '[]', '{"online":true,"x":1}').map((s) => Buffer.from(s)))
  .map((payload) => spec(`status garbage (${payload.length} bytes)`, () => ({ via: 'mqtt', topic: 'status/e1/d1', label: 'status', payload, rejects: [], valid: [] })));

// ---------------------------------------------------------------------------------------------------
// Malformed topics (fed to ingest directly; see the header)

const badIdSegment = fc.oneof(
  fc.constantFrom('', 'S1', 'E1', 'CH4-1', '+', '#', '-a', '_a', 'a b', 'a.b', 'x'.repeat(65), '中文', 'a\u0000', '$sys', '..'),
  garbage(20).filter((s) => !ID_RE.test(s)),
);
const validOtherId = (not: ReadonlySet<string>) => fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,63}$/).filter((s) => !not.has(s));
const topicCase = (label: string, topic: string, code: ErrorCode): Spec => spec(`topic ${JSON.stringify(topic).slice(0, 80)}: ${label}`, (m) => ({
  via: 'direct', topic, label, payload: Buffer.from(sampleValidText(m, 'sensors/e1/s1/ch4-1')), rejects: [{ code, index: null }], valid: [],
}));
const malformedTopicArb: fc.Arbitrary<{ topic: string; code: ErrorCode; label: string }> = fc.oneof(
  garbage(100).filter((t) => !/^(sensors|gateways|status|import)\//.test(t)).map((topic) => ({ topic, code: 'RW_ERR_TOPIC' as ErrorCode, label: 'garbage' })),
  fc.constantFrom('sensors/e1/s1', 'sensors/e1/s1/ch4-1/x', 'sensors/e1/s1/ch4-1/', '/sensors/e1/s1/ch4-1', 'sensors//s1/ch4-1', 'gateways/e1', 'gateways/e1/d1/x',
    'gateways/e1/d1/', 'sensor/e1/s1/ch4-1', 'SENSORS/e1/s1/ch4-1', 'alerts/e1/s1/ch4-1', 'errors/e1/d1', 'commands/e1/d1', 'sensors/+/s1/ch4-1', 'sensors/#',
    'status/e1/d1', 'import/e1', 'sensors/e2/s1/ch4-1', 'gateways/e2/d1', 'sensors/token/s1/ch4-1', '', '/', '#', '$SYS/broker')
    .map((topic) => ({ topic, code: 'RW_ERR_TOPIC' as ErrorCode, label: 'structure' })),
  fc.tuple(fc.constantFrom(0, 1, 2, 3), badIdSegment).map(([at, seg]) => {
    const parts = at === 3 ? ['gateways', 'e1', seg] : ['sensors', 'e1', 's1', 'ch4-1'].map((p, i) => (i === at + 1 ? seg : p));
    return { topic: parts.join('/'), code: 'RW_ERR_TOPIC' as ErrorCode, label: 'bad id segment' };
  }),
  validOtherId(new Set(['e1'])).map((e) => ({ topic: `sensors/${e}/s1/ch4-1`, code: 'RW_ERR_TOPIC' as ErrorCode, label: 'another enterprise' })),
  validOtherId(new Set(['d1'])).map((d) => ({ topic: `gateways/e1/${d}`, code: 'RW_ERR_ACL_DENIED' as ErrorCode, label: "another device's gateway topic" })),
  validOtherId(E1_SENSORS).map((s) => ({ topic: `sensors/e1/s1/${s}`, code: 'RW_ERR_UNKNOWN_SENSOR' as ErrorCode, label: 'sensor not registered' })),
  validOtherId(new Set(['s1'])).map((s) => ({ topic: `sensors/e1/${s}/ch4-1`, code: 'RW_ERR_UNKNOWN_SENSOR' as ErrorCode, label: 'wrong site' })),
  fc.constantFrom('ch4-2', 'pm-1').map((s) => ({ topic: `sensors/e1/s1/${s}`, code: 'RW_ERR_ACL_DENIED' as ErrorCode, label: 'sensor of another device' })),
);

// ---------------------------------------------------------------------------------------------------
// The case mix (weights out of ~1000)

const caseArb: fc.Arbitrary<Spec> = fc.oneof(
  ...SENSORS.map((s) => ({ weight: 100, arbitrary: READINGS[s].onSensorTopic.map((r) => singleCase('sensor object', sensorTopic(s), r)) })),
  ...SENSORS.map((s) => ({ weight: 60, arbitrary: fc.array(fc.oneof({ weight: 8, arbitrary: READINGS[s].onSensorTopic }, { weight: 1, arbitrary: notAnObject }), { minLength: 1, maxLength: 25 }).map((xs) => arrayCase('sensor backlog array', sensorTopic(s), xs)) })),
  { weight: 120, arbitrary: fc.array(fc.oneof({ weight: 8, arbitrary: gwItem }, { weight: 1, arbitrary: notAnObject }), { minLength: 1, maxLength: 25 }).map((xs) => arrayCase('gateway array', GW, xs)) },
  { weight: 50, arbitrary: gwItem.map((r) => singleCase('gateway object', GW, r)) },
  { weight: 150, arbitrary: notJsonArb },
  { weight: 20, arbitrary: batchTooLargeArb },
  { weight: 2, arbitrary: boundaryArb },
  { weight: 20, arbitrary: statusArb },
  { weight: 300, arbitrary: malformedTopicArb.map((t) => topicCase(t.label, t.topic, t.code)) },
);

// ---------------------------------------------------------------------------------------------------

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const BATCH = 200;
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

let p: TestPlatform;
let dev: MqttClient;
let devClosed = false;
const errors: { code: string; topic: string; index: number | null }[] = [];
let seqCounter = 0;
const allValid = new Map<string, string>();
const allCodes = new Map<string, number>();
const totals = { messages: 0, malformedMessages: 0, malformedTopics: 0, rejects: 0, valid: 0 };

const codesSnapshot = () => new Map(p.counters.ingest.rejected);
const delta = (after: Map<string, number>, before: Map<string, number>) => {
  const d: Record<string, number> = {};
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) !== 0) d[k] = v - (before.get(k) ?? 0);
  return d;
};
const countBy = (xs: string[]) => xs.reduce<Record<string, number>>((acc, x) => { acc[x] = (acc[x] ?? 0) + 1; return acc; }, {});
const sortKeys = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

async function sendBatch(specs: Spec[]): Promise<void> {
  const m: Mat = { now: Date.now(), seq: () => ++seqCounter };
  const cases = specs.map((s) => s.make(m));
  for (const c of cases) if (c.via === 'mqtt' && c.payload.length > MAX_MQTT_PAYLOAD) throw new Error(`generator bug: ${c.label} is ${c.payload.length} bytes`);
  const before = { codes: codesSnapshot(), accepted: p.counters.ingest.accepted, duplicates: p.counters.ingest.duplicates, lastPos: p.journal.stats().lastPos, errors: errors.length };

  // QoS 1: each promise resolves on the PUBACK, which the broker sends once ingest has finished.
  await Promise.all(cases.map((c) => (c.via === 'mqtt'
    ? dev.publishAsync(c.topic, c.payload, { qos: 1 })
    : p.ingest.handle({ source: 'mqtt', topic: c.topic, payload: c.payload, enterpriseId: 'e1', deviceId: 'd1' }))));

  const expectedCodes = countBy(cases.flatMap((c) => c.rejects.map((r) => r.code)));
  const valid = cases.flatMap((c) => c.valid);
  const labels = () => cases.map((c, i) => `${i}: ${specs[i]!.label.slice(0, 300)} → ${c.rejects.map((r) => r.code).join(',') || 'ok'}`).join('\n');

  // Every bad input got exactly its code, counted once.
  expect(sortKeys(delta(codesSnapshot(), before.codes)), `reject counters (seed ${SEED})\n${labels()}`).toEqual(sortKeys(expectedCodes));
  // Every valid reading accepted once, nothing counted as a duplicate.
  expect([p.counters.ingest.accepted - before.accepted, p.counters.ingest.duplicates - before.duplicates], 'accepted, duplicates').toEqual([valid.length, 0]);
  // ... and it is in the journal, with what was sent.
  const fresh = p.journal.read(before.lastPos, 1e6);
  const got = new Map(fresh.map((e) => [`${e.sensorId}|${e.ts}|${e.seq}`, JSON.stringify([e.values, e.quality, e.boot])]));
  expect(fresh.length, 'journal entries of this batch').toBe(valid.length);
  expect(got).toEqual(new Map(valid.map((v) => [v.key, v.stored])));
  // ... and each reject was published on errors/e1/d1 with its topic and array index.
  const expectedErrors = cases.flatMap((c) => c.rejects.map((r) => `${r.code}|${c.topic}|${r.index}`)).sort();
  await until(() => errors.length - before.errors >= expectedErrors.length, 10_000, `${expectedErrors.length} messages on errors/e1/d1 (got ${errors.length - before.errors})`);
  expect(errors.slice(before.errors).map((e) => `${e.code}|${e.topic}|${e.index}`).sort()).toEqual(expectedErrors);

  for (const v of valid) allValid.set(v.key, v.stored);
  for (const [k, n] of Object.entries(expectedCodes)) allCodes.set(k, (allCodes.get(k) ?? 0) + n);
  totals.messages += cases.length;
  totals.malformedMessages += cases.filter((c) => c.rejects.length > 0).length;
  totals.malformedTopics += cases.filter((c) => c.via === 'direct').length;
  totals.rejects += expectedErrors.length;
  totals.valid += valid.length;
}

beforeAll(async () => {
  p = await startTestPlatform(smallRegistry());
  dev = await connect(p.mqttPort, deviceOpts('e1.d1', p.registry.demoTokenFor('e1.d1')));
  dev.on('close', () => { devClosed = true; });
  dev.on('message', (_t, payload) => errors.push(JSON.parse(payload.toString()) as { code: string; topic: string; index: number | null }));
  await dev.subscribeAsync('errors/e1/d1', { qos: 0 });
});
afterAll(async () => { dev?.end(true); await p?.cleanup(); });

describe('ingest fuzz (real broker and journal)', () => {
  // Why: the contract promises that bad input never stops good input next to it, and that every
  // rejection is coded, counted and reported; a fuzzer finds the inputs nobody wrote a case for.
  it(`rejects ≥10,000 malformed topics/payloads with exactly their codes and takes every valid reading once (${RUNS}×${BATCH} cases)`, async () => {
    await fc.assert(fc.asyncProperty(fc.array(caseArb, { minLength: BATCH, maxLength: BATCH }), sendBatch),
      { numRuns: RUNS, seed: SEED, endOnFailure: !process.env.FUZZ_SHRINK });
    console.log(`fuzz seed ${SEED}: ${totals.messages} inputs (${totals.malformedMessages} malformed, of which ${totals.malformedTopics} topics), ${totals.rejects} rejects, ${totals.valid} valid readings`);
    expect(totals.malformedMessages).toBeGreaterThanOrEqual(10_000);
    expect(devClosed, 'the publishing session was never closed').toBe(false);
  }, 240_000);

  // Why: over MQTT a topic outside the ACL must close the connection before ingest sees it, and must not
  // disturb anyone else; here the fuzzed topics go through the broker, reconnecting after each close.
  it('closes the connection on a fuzzed topic outside the device ACL; nothing reaches ingest', async () => {
    const allowed = new Set(['sensors/e2/s1/ch4-1', 'sensors/e2/s1/lel-2', 'gateways/e2/d1', 'status/e2/d1']);
    // Topics MQTT itself allows in a PUBLISH (non-empty, no wildcards, no NUL, valid UTF-8).
    const topics = fc.sample(malformedTopicArb.map((t) => t.topic).filter((t) => t.length > 0 && !/[+#\u0000]/.test(t) && !LONE_SURROGATE.test(t) && !allowed.has(t)), { numRuns: 30, seed: SEED });
    const before = { denied: p.counters.broker.aclDenied, rejected: p.counters.ingest.rejectedTotal(), accepted: p.counters.ingest.accepted, lastPos: p.journal.stats().lastPos };
    for (const topic of topics) {
      const c = await connect(p.mqttPort, deviceOpts('e2.d1', p.registry.demoTokenFor('e2.d1')));
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      c.publish(topic, sampleValidText({ now: Date.now(), seq: () => ++seqCounter }, 'sensors/e1/s1/ch4-1'), { qos: 1 });
      await Promise.race([closed, new Promise((_r, rej) => setTimeout(() => rej(new Error(`not closed after publishing to ${JSON.stringify(topic)}`)), 5000))]);
      c.end(true);
    }
    expect(p.counters.broker.aclDenied - before.denied).toBe(topics.length);
    expect([p.counters.ingest.rejectedTotal(), p.counters.ingest.accepted, p.journal.stats().lastPos]).toEqual([before.rejected, before.accepted, before.lastPos]);
    expect(devClosed).toBe(false);
  });

  // Why: after all that the platform must still be serving, and the journal must hold every valid
  // reading exactly once — the whole-run view of what each batch checked.
  it('is still up afterwards, and the journal holds each valid reading exactly once', async () => {
    const fresh = await connect(p.mqttPort, deviceOpts('e1.d2', p.registry.demoTokenFor('e1.d2')));
    expect(fresh.connected).toBe(true);
    fresh.end(true);
    expect((await fetch(`${p.urls.http}/healthz`)).status).toBe(200);
    expect(dev.connected && !devClosed).toBe(true);

    const all = p.journal.read(0, 1e7);
    const keys = all.map((e) => `${e.sensorId}|${e.ts}|${e.seq}`);
    expect(new Set(keys).size, 'no reading twice').toBe(keys.length);
    expect(new Map(all.map((e, i) => [keys[i]!, JSON.stringify([e.values, e.quality, e.boot])]))).toEqual(allValid);
    expect(p.counters.ingest.accepted).toBe(allValid.size);
    expect(p.counters.ingest.duplicates).toBe(0);
    expect(sortKeys(Object.fromEntries(p.counters.ingest.rejected))).toEqual(sortKeys(Object.fromEntries(allCodes)));
  });
});

describe('an ingest bug found by this fuzzer, fixed', () => {
  // Why: `__proto__` is not a metric of any type, so contract.md wants RW_ERR_UNKNOWN_METRIC; zod's record
  // used to strip the key and accept the reading with it silently dropped.
  it('rejects a "__proto__" metric with RW_ERR_UNKNOWN_METRIC', async () => {
    const before = { unknown: p.counters.ingest.rejected.get('RW_ERR_UNKNOWN_METRIC') ?? 0, accepted: p.counters.ingest.accepted };
    await dev.publishAsync('sensors/e1/s1/ch4-1', `{"ts":${Date.now() - 1000},"values":{"ch4":0.1,"__proto__":5},"seq":${++seqCounter}}`, { qos: 1 });
    expect([(p.counters.ingest.rejected.get('RW_ERR_UNKNOWN_METRIC') ?? 0) - before.unknown, p.counters.ingest.accepted - before.accepted]).toEqual([1, 0]);
  });
});
