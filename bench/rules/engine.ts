// bench:rules, part 1: the rule engine alone (performance.md "rule engine alone, standard mix, 10k and
// 100k sensors ≥ 5M readings/s per core"; "rule state per sensor ≤ 1 KB"; "statistic baseline ≤ 6 KB").
// Beside it, in the same run and on the same readings (each row in a process of its own, `runChild`), the peer:
// the same four rules written the way a Node-RED function node keeps them (a context object per sensor, arrays
// for the window, one message object per reading) — what an integrator's flow does today.
// Run with --expose-gc (package.json does) so that heap differences are taken after full collections.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Level } from '../../core/level.ts';
import type { EnterpriseDef, SensorInfo, SiteDef } from '../../core/registry.ts';
import type { JournalEntry } from '../../core/reading.ts';
import { compilePlan, type RuleResolver } from '../../rules/engine/compile.ts';
import { RuleEngine } from '../../rules/engine/engine.ts';
import type { ResolvedRuleLike } from '../../rules/engine/plan.ts';
import type { RuleEnv } from '../../rules/kinds/kind.ts';
import { RULE_KINDS } from '../../rules/kinds/registry.ts';
import { BaselineStore } from '../../rules/baseline/store.ts';
import { createResolver } from '../../rules/packs/resolve.ts';
import { Rng } from '../../simulators/rng.ts';

const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => { gc?.(); gc?.(); const s = v8.getHeapStatistics(); return s.used_heap_size + process.memoryUsage().arrayBuffers; };

/** performance.md "Standard rule mix": four-level threshold with hysteresis and durations, rate of change
 * over a 60-sample window, EWMA z-score, no-data timer. Thresholds as the gas pack's (domain.md §2.1). */
const STANDARD_MIX: ResolvedRuleLike[] = [
  { id: 'threshold', kind: 'threshold', scope: 'sensor' as const, params: { direction: 'rising', levels: { blue: { enter: 10, clear: 8, enterS: 30 }, yellow: { enter: 25, clear: 23, enterS: 30, native: '一级报警' }, orange: { enter: 50, clear: 48, enterS: 10, native: '二级报警' }, red: { enter: 50, clear: 48, enterS: 300 } } } },
  { id: 'rate', kind: 'rate', scope: 'sensor' as const, params: { windowS: 300, perS: 300, points: 60, direction: 'rising', levels: { blue: { enter: 5, clear: 4 } } } },
  { id: 'ewma', kind: 'statistic', scope: 'sensor' as const, params: { mode: 'ewma', halfLifeS: 3600, direction: 'rising', levels: { blue: { enter: 4, clear: 3 }, yellow: { enter: 6, clear: 5 } } } },
  { id: 'health', kind: 'health', scope: 'sensor' as const, params: {} },
].map((r) => ({ version: 1, thresholdSource: 'default' as const, source: 'bench', clause: null, confidence: 'PROPOSAL', ...r }));

export function benchRegistry(n: number): EnterpriseDef[] {
  const perSite = 1000;
  const enterprises: EnterpriseDef[] = [];
  for (let e = 0; e * perSite < n; e++) {
    const count = Math.min(perSite, n - e * perSite);
    const ids = Array.from({ length: count }, (_, i) => `g${i}`);
    enterprises.push({
      id: `b${e}`, name: `bench ${e}`, county: '530402', sector: 'hazchem', state: { state: 'normal' },
      sites: [{ id: 's', name: 's', kind: 'chemical_plant', location: { lat: 24, lon: 102 }, areas: [], items: [], params: {}, tailings: null,
        sensors: ids.map((id) => ({ id, type: 'gas_combustible', name: id, area: null, item: null, commissioned: '2024-01-01', params: {}, relations: [] })) }],
      devices: [{ id: 'gw', name: 'gw', kind: 'gateway', sensors: ids, credential: 'demo' }],
    });
  }
  return enterprises;
}

const env = (): RuleEnv => {
  const calendar = { dayKind: () => null };
  const baselines = new BaselineStore({ history: { series: async () => [] }, calendar });
  return { calendar, enterprise: () => undefined, baseline: (e, s, m) => baselines.view(e, s, m) };
};

/** The journal entry the engine parts reuse for every reading (its fields are set per reading). */
const benchEntry = (): JournalEntry => ({ enterpriseId: '', siteId: 's', sensorId: '', ts: 0, values: { lel: 0 }, quality: 'ok', seq: null, boot: null, pos: 0, receivedAt: 0, deviceId: null, source: 'mqtt' });

function resolver(rules: ResolvedRuleLike[]): RuleResolver {
  return { forSensor: (_s: SensorInfo, _site: SiteDef) => rules, forSite: () => [] };
}

/** Readings: noise between 1 and 3 %LEL; 1 % of readings (steady) or 10 % (storm) cross 25 %LEL, at 26–56 %LEL.
 * Seeded mulberry32 (simulators/rng.ts), as in the end-to-end generator (e2e.ts: why not an LCG in doubles). */
function readings(n: number, count: number, crossShare: number): { idx: Int32Array; value: Float64Array } {
  const idx = new Int32Array(count);
  const value = new Float64Array(count);
  const rng = new Rng(12345);
  for (let i = 0; i < count; i++) {
    idx[i] = i % n;
    value[i] = rng.chance(crossShare) ? rng.uniform(26, 56) : rng.uniform(1, 3);
  }
  return { idx, value };
}

export interface EngineResult { system: string; sensors: number; phase: string; perSecond: number; nsPerReading: number; signals: number }

function runEngine(n: number, phase: string, crossShare: number, reps: number): { results: EngineResult[]; stateBytes: number } {
  const enterprises = benchRegistry(n);
  const e0 = env();
  const count = Math.max(2_000_000, n * 20);
  const r = readings(n, count, crossShare);
  const before = heap();
  const bare = compilePlan({ enterprises, resolver: resolver([]), kinds: RULE_KINDS, env: e0 });
  const mid = heap();
  const plan = compilePlan({ enterprises, resolver: resolver(STANDARD_MIX), kinds: RULE_KINDS, env: e0 });
  let signals = 0;
  let t = Date.UTC(2026, 10, 23);
  const engine = new RuleEngine(plan, { now: () => t, onSignal: () => { signals++; } });
  const entry = benchEntry();
  const feed = () => {
    for (let i = 0; i < count; i++) {
      if (i % n === 0) t += 10_000; // every sensor reports every 10 s of device time
      entry.ts = t; entry.receivedAt = t; entry.pos = i + 1;
      (entry.values as { lel: number }).lel = r.value[i]!;
      engine.evaluateEntry(r.idx[i]!, entry);
    }
  };
  warmUp(feed, n, count); // JIT, windows filled, EWMA past warm-up
  const after = heap();
  feed(); // untimed: after heap()'s full collections the first timed pass ran ≈ 15 ns per reading slower at 100k
  // Rule state per sensor: the plan with the mix minus the plan without rules, after the windows filled.
  const stateBytes = (after - mid - (mid - before)) / n;
  void bare;
  return { results: timeReps('riskwatch', n, phase, reps, count, feed, () => { const s = signals; signals = 0; return s; }), stateBytes };
}

/** Readings per sensor before timing: past the standard mix's 30 (the rate's window is 30 readings of a sensor
 * reporting every 10 s, the EWMA learns 30 samples before it judges). One pass of `count` readings gives each of
 * 10k sensors 200, each of 100k only 20: a single pass left the first timed rep at 100k warming up. */
const WARM_READINGS = 40;

/** Passes of `feed` (each `count` readings over `n` sensors) until every sensor has had WARM_READINGS. */
function warmUp(feed: () => void, n: number, count: number): void {
  for (let k = Math.ceil((WARM_READINGS * n) / count); k > 0; k--) feed();
}

/** Times `reps` passes of `feed` over `count` readings; `takeSignals` returns and resets the level changes. */
function timeReps(system: string, n: number, phase: string, reps: number, count: number, feed: () => void, takeSignals: () => number): EngineResult[] {
  const results: EngineResult[] = [];
  for (let k = 0; k < reps; k++) {
    takeSignals();
    const t0 = process.hrtime.bigint();
    feed();
    const ns = Number(process.hrtime.bigint() - t0);
    results.push({ system, sensors: n, phase, perSecond: count / (ns / 1e9), nsPerReading: ns / count, signals: takeSignals() });
  }
  return results;
}

/** The peer: the same four rules as a Node-RED function node would hold them. */
function runPeer(n: number, phase: string, crossShare: number, reps: number): { results: EngineResult[]; stateBytes: number } {
  interface Ctx { level: number; since: Record<string, number>; window: { ts: number; v: number }[]; mean: number; variance: number; count: number; last: number }
  const count = Math.max(2_000_000, n * 20);
  const r = readings(n, count, crossShare);
  const before = heap();
  const context = new Map<string, Ctx>();
  for (let i = 0; i < n; i++) context.set(`b${Math.floor(i / 1000)}/g${i % 1000}`, { level: 0, since: {}, window: [], mean: 0, variance: 0, count: 0, last: 0 });
  const levels = [['red', 50, 48, 300_000], ['orange', 50, 48, 10_000], ['yellow', 25, 23, 30_000], ['blue', 10, 8, 30_000]] as const;
  const rank: Record<string, number> = { red: 4, orange: 3, yellow: 2, blue: 1 };
  let signals = 0;
  let t = Date.UTC(2026, 10, 23);
  const keys = [...context.keys()];
  const fn = (msg: { topic: string; payload: { ts: number; values: { lel: number } } }) => {
    const c = context.get(msg.topic)!;
    const v = msg.payload.values.lel;
    const ts = msg.payload.ts;
    let lvl = 0;
    for (const [name, enter, clear, hold] of levels) {
      if (v >= enter) { c.since[name] ??= ts; if (ts - c.since[name]! >= hold) { lvl = Math.max(lvl, rank[name]!); } }
      else if (v < clear) delete c.since[name];
      else if (c.level >= rank[name]!) lvl = Math.max(lvl, rank[name]!);
    }
    c.window.push({ ts, v });
    while (c.window.length > 60) c.window.shift();
    const rate = c.window.length >= 3 ? (v - c.window[0]!.v) : 0;
    if (rate >= 5) lvl = Math.max(lvl, 1);
    c.count++;
    const a = 1 - Math.pow(0.5, 10 / 3600);
    const d = v - c.mean; c.mean += a * d; c.variance = (1 - a) * (c.variance + a * d * d);
    const z = c.count > 30 ? d / Math.max(Math.sqrt(c.variance), 1) : 0;
    if (z >= 4) lvl = Math.max(lvl, 1);
    c.last = ts;
    if (lvl !== c.level) { c.level = lvl; signals++; return { topic: msg.topic, payload: { level: lvl } }; }
    return null;
  };
  const feed = () => {
    for (let i = 0; i < count; i++) {
      if (i % n === 0) t += 10_000;
      fn({ topic: keys[r.idx[i]!]!, payload: { ts: t, values: { lel: r.value[i]! } } });
    }
  };
  warmUp(feed, n, count);
  const stateBytes = (heap() - before) / n;
  feed(); // untimed, as runEngine's
  return { results: timeReps('function-node peer', n, phase, reps, count, feed, () => { const s = signals; signals = 0; return s; }), stateBytes };
}

/** Bytes per time-of-week baseline (672 slots + P95 + production), measured on `n` views filled by a real
 * refresh from 8 weeks of 15-min history (a day-shift load profile). */
async function baselineBytes(n: number): Promise<number> {
  const calendar = { dayKind: () => null };
  const now = Date.UTC(2026, 10, 23);
  const series = async (q: { fromMs: number; toMs: number }) => {
    const out: { ts: number; value: number }[] = [];
    for (let t = Math.ceil(q.fromMs / 900_000) * 900_000; t < q.toMs; t += 900_000) {
      const h = ((t / 3_600_000) + 8) % 24;
      out.push({ ts: t, value: h >= 8 && h < 18 ? 300 + (t % 7) : 40 });
    }
    return out;
  };
  const before = heap();
  const store = new BaselineStore({ history: { series }, calendar });
  const keep = [];
  for (let i = 0; i < n; i++) keep.push(store.view('e', `s${i}`, 'p'));
  await store.refresh(now);
  const b = (heap() - before) / n;
  if (!Number.isFinite(keep[0]!.at(now - 3600_000 * 14))) throw new Error('baseline not filled');
  return b;
}

/** Bytes per sensor of a whole compiled plan with the platform's own rule packs (resolve.ts, no overrides): the
 * combustible-gas pack's rules, its composites per detector and the plan's per-sensor bookkeeping (slots, keys,
 * sensor facts), not only the standard mix's rule state. */
function planBytes(n: number): number {
  const enterprises = benchRegistry(n);
  const e0 = env();
  const before = heap();
  const plan = compilePlan({ enterprises, resolver: createResolver(null), kinds: RULE_KINDS, env: e0 });
  const b = (heap() - before) / n;
  if (plan.sensors.length !== n) throw new Error('plan incomplete');
  return b;
}

/** The engine checkpoint (`snapshot()`, taken on the serving thread every `checkpointMs`, 60 s by default) of a
 * plan with the platform's own rule packs after 30 rounds of readings: median ms of `reps` snapshots, and bytes. */
export interface CheckpointResult { sensors: number; ms: number; minMs: number; maxMs: number; bytes: number }
function checkpointCost(n: number, reps: number): CheckpointResult {
  const plan = compilePlan({ enterprises: benchRegistry(n), resolver: createResolver(null), kinds: RULE_KINDS, env: env() });
  let t = Date.UTC(2026, 10, 23);
  const engine = new RuleEngine(plan, { now: () => t, onSignal: () => {} });
  const entry = benchEntry();
  for (let round = 0; round < 30; round++) {
    t += 10_000;
    for (let i = 0; i < n; i++) {
      entry.ts = t; entry.receivedAt = t; entry.pos++;
      (entry.values as { lel: number }).lel = 1 + (i % 7) / 3;
      engine.evaluateEntry(i, entry);
    }
  }
  let bytes = engine.snapshot().byteLength; // the plan's fixed part is made once, at the first
  const ms: number[] = [];
  for (let k = 0; k < reps; k++) {
    gc?.();
    const t0 = performance.now();
    bytes = engine.snapshot().byteLength;
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { sensors: n, ms: ms[Math.floor(ms.length / 2)]!, minMs: ms[0]!, maxMs: ms[ms.length - 1]!, bytes };
}

/** The checkpoint cost at each size. */
export function benchCheckpoints(sizes: readonly number[], reps: number): CheckpointResult[] {
  return sizes.map((n) => checkpointCost(n, reps));
}

/** One row of the engine part: riskwatch or the peer, at one size and phase (what a child process runs). */
export function runOne(system: 'riskwatch' | 'peer', n: number, phase: string, reps: number): { results: EngineResult[]; stateBytes: number } {
  const share = phase.startsWith('storm') ? 0.1 : 0.01;
  return system === 'riskwatch' ? runEngine(n, phase, share, reps) : runPeer(n, phase, share, reps);
}

/** Each row in a process of its own (engine-one.ts), riskwatch and the peer one after the other, as JMH forks: the
 * platform runs one plan per process, and a row run after others in the same process inherits their JIT feedback
 * (other plans' objects, other phases' paths). The second plan of a process ran ≈ 10 % slower than the first
 * (deopts and re-optimization inside the timed reps); the peer is measured the same way. */
function runChild(system: 'riskwatch' | 'peer', n: number, phase: string, reps: number): { results: EngineResult[]; stateBytes: number } {
  const script = fileURLToPath(new URL('./engine-one.ts', import.meta.url));
  const r = spawnSync(process.execPath, [...process.execArgv, script, system, String(n), phase, String(reps)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`engine-one ${system} ${n} ${phase} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { results: EngineResult[]; stateBytes: number };
}

export async function benchEngine(o: { sizes: number[]; reps: number }): Promise<{ rows: EngineResult[]; state: { system: string; sensors: number; bytes: number }[]; baselineBytes: number; planBytes: number }> {
  const rows: EngineResult[] = [];
  const state: { system: string; sensors: number; bytes: number }[] = [];
  for (const n of o.sizes) {
    for (const phase of ['steady 1 %', 'storm 10 %']) {
      const a = runChild('riskwatch', n, phase, o.reps);
      const b = runChild('peer', n, phase, o.reps);
      rows.push(...a.results, ...b.results);
      if (phase.startsWith('steady')) state.push({ system: 'riskwatch', sensors: n, bytes: a.stateBytes }, { system: 'function-node peer', sensors: n, bytes: b.stateBytes });
    }
  }
  return { rows, state, baselineBytes: await baselineBytes(2000), planBytes: planBytes(10_000) };
}

export { Level };
