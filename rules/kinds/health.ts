// Rule kind `health`: the device track. domain.md §2 "readings with quality ≠ ok never raise process
// alarms. They raise *device* alarms (设备故障/离线) on a separate track"; §2.5 (GB 39496 §5.5.3) "self-
// diagnosis of sensor, acquisition, power and comms faults"; peers.md 6 (sensor-health state machine: offline,
// stuck value, out of physical range, calibrating, maintenance; series that never reported still go silent).
//
// It sees every sample, any quality, and keeps one DeviceState (kind.ts DEVICE_STATES):
//   silent        no sample for `silentAfterS` (judged in `tick` on the injected clock; also for a sensor
//                 that has never reported, counted from the first tick);
//   fault, comm_lost, overrange, calibrating, maintenance
//                 the sample's own quality (the device's self-diagnosis; the latest sample decides);
//   out_of_range  a value outside the metric's physical range (core/sensor-types.ts: "values outside it are
//                 accepted but mark the device state");
//   clock_skew    sample.ts more than skewMs ahead of sample.receivedAt, at once; or more than skewMs behind it
//                 on every sample for `skewHoldS` of receive time (default max(120 s, 2 × the nominal
//                 interval)). Behind is also what a backlog looks like (a gateway uploading its buffer after
//                 an outage, contract.md "Time"): it arrives in a burst and catches up, a slow clock stays
//                 behind. Meanwhile the state stays what it was before (ok);
//   stuck         the same value for `stuckSamples` consecutive quality-ok samples spanning ≥ `stuckMinS`
//                 (never for boolean metrics: a fan that runs all day is not stuck);
//   ok            none of these.
// Precedence when several hold (decided here): silent > the sample's quality > out_of_range > clock_skew >
// stuck > ok. Silent first: without data every other judgement is stale. Then what the device says of
// itself, then platform inferences from the strongest (a physically impossible value) to the weakest (a
// flat line, which a clean-air detector can show legitimately).
//
// Time: every duration here runs on the platform's receive clock (sample.receivedAt, tick's `now`), never
// on device time: a wrong device clock is one of the faults this rule looks for. `since` (healthState) is
// when the condition began: the last receipt for silent, the first sample of the flat run for stuck, the
// sample that showed it otherwise. Samples older than the sensor's last one never get here: the engine
// drops them before any rule (rules/engine/engine.ts evaluateEntry), so this kind keeps no device ts.
// A history import (Sample.imported) is judged like any sample (its quality, range, flat runs, on its device
// time) but proves nothing about the device now: it neither counts as a receipt nor ends a silence. Otherwise an
// import dated hours ago would make the next tick find the device silent since then (a burst of false 离线
// alerts at a first start, while the demo history is imported), and an import during a real outage would end it.
import { z } from 'zod';
import { Level, levelFromName, type LevelName } from '../../core/level.ts';
import { sensorType } from '../../core/sensor-types.ts';
import { DEVICE_STATES, type DeviceState, ruleDetail, type RuleDetail, type Sample, type SensorRuleContext, type SensorRuleKind } from './kind.ts';
import { fmtValue, internCompiled } from './step.ts';
import { chunkOf, RecordBank, wordOf, type ChunkSlice } from './bank.ts';

const LevelChoice = z.enum(['none', 'blue', 'yellow', 'orange', 'red']);

function evaluateAt(cfg: HealthCfg, d: Float64Array, o: number, a: Int32Array, ai: number, s: Sample): Level {
  const recv = s.receivedAt;
  // Any live sample proves the device is talking; after a silence its state starts anew at this sample.
  let wasSilent = false;
  if (s.imported !== true) {
    if (!(recv <= d[o + LAST_RECV]!)) d[o + LAST_RECV] = recv;
    wasSilent = a[ai + SILENT_] !== 0;
    a[ai + SILENT_] = 0;
  }
  const v = s.value;
  const q = qualityCode(s.quality);
  if (q === OK && v === v) {
    if (v === d[o + RUN_V]) {
      const n = a[ai + RUN_N]!;
      if (n < RUN_N_CAP) a[ai + RUN_N] = n + 1;
    } else {
      d[o + RUN_V] = v;
      a[ai + RUN_N] = 1;
      d[o + RUN_SINCE] = recv;
    }
  }
  const sc = a[ai + SC]!;
  // Hysteresis: once skewed, the clock must come back within half the limit to count as fixed.
  const skewLimit = sc === CLOCK_SKEW ? cfg.skewMs / 2 : cfg.skewMs;
  let c: number;
  if (q !== OK) c = q;
  else if (v < cfg.lo || v > cfg.hi) c = OUT_OF_RANGE;
  else if (s.ts - recv > skewLimit) c = CLOCK_SKEW;
  // Behind: skew once it has lasted skewHoldMs of receive time (SKEW_PENDING until then, since its first sample).
  // After a silence the wait starts anew: the device's first samples back are often its backlog.
  else if (recv - s.ts > skewLimit) c = behindCode(cfg, wasSilent ? OK : sc, recv, d[o + SC_SINCE]!);
  else if (!cfg.boolean && a[ai + RUN_N]! >= cfg.stuckSamples && recv - d[o + RUN_SINCE]! >= cfg.stuckMinMs) c = STUCK;
  else c = OK;
  const since = d[o + SC_SINCE]!;
  if (c !== sc || since !== since || wasSilent) {
    a[ai + SC] = c;
    // A confirmed skew dates from its first sample behind.
    if (!(c === CLOCK_SKEW && sc === SKEW_PENDING)) d[o + SC_SINCE] = c === STUCK ? d[o + RUN_SINCE]! : recv;
  }
  return cfg.levels[c]!;
}

/** The state of a sample behind the receive clock by more than the limit (`since`: when the state began). */
function behindCode(cfg: HealthCfg, sc: number, recv: number, since: number): number {
  if (sc === CLOCK_SKEW || cfg.skewHoldMs === 0) return CLOCK_SKEW;
  return sc === SKEW_PENDING && recv - since >= cfg.skewHoldMs ? CLOCK_SKEW : SKEW_PENDING;
}

function tickAt(cfg: HealthCfg, d: Float64Array, o: number, a: Int32Array, ai: number, now: number): Level {
  const first = d[o + FIRST_TICK]!;
  if (first !== first) d[o + FIRST_TICK] = now;
  const recv = d[o + LAST_RECV]!;
  const last = recv === recv ? recv : d[o + FIRST_TICK]!;
  if (a[ai + SILENT_] === 0 && now - last > cfg.silentMs) a[ai + SILENT_] = 1;
  return cfg.levels[effectiveCodeAt(a, ai)]!;
}

function effectiveCodeAt(a: Int32Array, ai: number): number {
  return shownCode(a[ai + SILENT_]!, a[ai + SC]!);
}

/** The device state shown: silent over the samples' state; a skew still pending shows as ok. */
function shownCode(silent: number, sc: number): number {
  if (silent !== 0) return SILENT;
  return sc === SKEW_PENDING ? OK : sc;
}

function deviceSinceAt(d: Float64Array, o: number, a: Int32Array, ai: number): number {
  if (a[ai + SILENT_] === 0) return d[o + SC_SINCE]!;
  const last = d[o + LAST_RECV]!;
  return last === last ? last : d[o + FIRST_TICK]!;
}

// The kind's API on a state object: the same code, its doubles in place, its integers on a scratch copy.
function toInts(st: HealthState, a: Int32Array, ai: number): void {
  a[ai + SC] = st.sc;
  a[ai + SILENT_] = st.silent;
  a[ai + RUN_N] = st.runN;
}

function fromInts(a: Int32Array, ai: number, st: HealthState): void {
  st.sc = a[ai + SC]!;
  st.silent = a[ai + SILENT_]!;
  st.runN = a[ai + RUN_N]!;
}

function evaluateHealth(st: HealthState, s: Sample): Level {
  toInts(st, scratch, 0);
  const l = evaluateAt(st.cfg, st.d, st.od, scratch, 0, s);
  fromInts(scratch, 0, st);
  return l;
}

export const healthParams = z.strictObject({
  /** Silent after this long without a sample, s. Default 3 × the sensor type's nominal interval. */
  silentAfterS: z.number().positive().optional(),
  /** Stuck after this many equal consecutive samples. Default 30. */
  stuckSamples: z.number().int().min(2).optional(),
  /** … spanning at least this long, s. Default 6 × the nominal interval. */
  stuckMinS: z.number().min(0).optional(),
  /** Clock skew beyond this, ms. Default 300 000 (5 min). */
  skewMs: z.number().positive().optional(),
  /** A device clock behind by more than skewMs is skew once it has been so this long of receive time, s (a backlog
   * upload catches up sooner). Default max(120, 2 × the nominal interval); 0 judges every sample alone. */
  skewHoldS: z.number().min(0).optional(),
  /** The device-track level of each state (merged over DEFAULT_HEALTH_LEVELS). */
  levels: z.partialRecord(z.enum(DEVICE_STATES), LevelChoice).optional(),
});
export type HealthParams = z.infer<typeof healthParams>;

/** Default levels [PROPOSAL, domain.md §2 and §2.1]: no data and device faults yellow (the monitoring is
 * blind); overrange orange (a catalytic bead saturates and can read falsely low above 100 %LEL: "keep the
 * alarm latched", §2.1); platform inferences blue; maintenance and calibration none (announced work). */
export const DEFAULT_HEALTH_LEVELS: Readonly<Record<DeviceState, LevelName | 'none'>> = {
  ok: 'none',
  silent: 'yellow',
  stuck: 'blue',
  out_of_range: 'blue',
  clock_skew: 'blue',
  fault: 'yellow',
  maintenance: 'none',
  calibrating: 'none',
  overrange: 'orange',
  comm_lost: 'yellow',
};

const DEFAULT_STUCK_SAMPLES = 30;
const DEFAULT_SKEW_MS = 300_000;

// State codes: indices into DEVICE_STATES.
const code = (s: DeviceState): number => DEVICE_STATES.indexOf(s);
const OK = code('ok');
const SILENT = code('silent');
const STUCK = code('stuck');
const OUT_OF_RANGE = code('out_of_range');
const CLOCK_SKEW = code('clock_skew');
const FAULT = code('fault');
const MAINTENANCE = code('maintenance');
const CALIBRATING = code('calibrating');
const OVERRANGE = code('overrange');
const COMM_LOST = code('comm_lost');
/** Not a device state: behind by more than skewMs, not yet for skewHoldS. Shown as ok, level none. */
const SKEW_PENDING = DEVICE_STATES.length;

const TEXT: Readonly<Record<DeviceState, string>> = {
  ok: '设备正常',
  silent: '无数据(离线)',
  stuck: '数值长时间不变(疑似卡死)',
  out_of_range: '数值超出物理量程',
  clock_skew: '设备时钟偏差过大',
  fault: '设备自诊断故障',
  maintenance: '设备维护中',
  calibrating: '设备标定中',
  overrange: '传感器超量程(饱和)',
  comm_lost: '设备通信中断',
};

class HealthCfg {
  readonly silentMs: number;
  readonly stuckSamples: number;
  readonly stuckMinMs: number;
  readonly skewMs: number;
  readonly skewHoldMs: number;
  readonly lo: number;
  readonly hi: number;
  readonly boolean: boolean;
  /** Level per state code. */
  readonly levels: readonly Level[];

  constructor(p: HealthParams, intervalS: number, range: readonly [number, number] | undefined, boolean: boolean) {
    this.silentMs = (p.silentAfterS ?? 3 * intervalS) * 1000;
    this.stuckSamples = p.stuckSamples ?? DEFAULT_STUCK_SAMPLES;
    this.stuckMinMs = (p.stuckMinS ?? 6 * intervalS) * 1000;
    this.skewMs = p.skewMs ?? DEFAULT_SKEW_MS;
    this.skewHoldMs = (p.skewHoldS ?? Math.max(120, 2 * intervalS)) * 1000;
    // 5 % of the span of tolerance at each end: zero drift and noise just past a range end are the
    // instrument's normal (domain.md §2.1: ±1–3 %LEL zero drift normal, < −5 %LEL a fault) [PROPOSAL].
    const tol = range ? 0.05 * (range[1] - range[0]) : 0;
    this.lo = range ? range[0] - tol : -Infinity;
    this.hi = range ? range[1] + tol : Infinity;
    this.boolean = boolean;
    const levels = DEVICE_STATES.map((s) => {
      const choice = p.levels?.[s] ?? DEFAULT_HEALTH_LEVELS[s];
      return choice === 'none' ? Level.none : levelFromName(choice);
    });
    // SKEW_PENDING, the code after the device states: level none.
    this.levels = [...levels, Level.none];
  }
}

/** Per-sensor state as the kind's API and checkpoints see it: plain data plus the compiled config. The
 * engine's bank keeps the same numbers in a record instead (HealthBank). */
export interface HealthState {
  cfg: HealthCfg;
  /** State code from the last sample (never SILENT); since when is d[od + SC_SINCE] (receive time). */
  sc: number;
  /** 1 while silent (set by tick, cleared by any sample). */
  silent: number;
  /** Samples in a row with the same quality-ok value (the flat run; its value and start are in `d`), capped
   * at 2^31 − 1. */
  runN: number;
  /** The doubles, at d[od …]: SC_SINCE, LAST_RECV, FIRST_TICK, RUN_V, RUN_SINCE. */
  d: Float64Array;
  od: number;
}

/** When the state code began (receive time). */
const SC_SINCE = 0;
/** Receive time of the latest sample; NaN before the first. */
const LAST_RECV = 1;
/** The first tick's `now`: silence of a sensor that never reported counts from here. */
const FIRST_TICK = 2;
/** The last quality-ok value (the current flat run's value), and since when. */
const RUN_V = 3;
const RUN_SINCE = 4;
const DOUBLES = 5;
// Small integers at a[ai …]: the bank's index of the compiled config (records only), then sc, silent, runN.
const CFG = 0;
const SC = 1;
const SILENT_ = 2;
const RUN_N = 3;
const INTS = 4;
const RUN_N_CAP = 0x7fffffff;
const scratch = new Int32Array(INTS);

function qualityCode(q: Sample['quality']): number {
  switch (q) {
    case 'ok': return OK;
    case 'fault': return FAULT;
    case 'maintenance': return MAINTENANCE;
    case 'calibrating': return CALIBRATING;
    case 'overrange': return OVERRANGE;
    case 'comm_lost': return COMM_LOST;
    default: return FAULT; // an unknown quality is not ok (validation rejects it upstream)
  }
}

/** The device state now in force and since when (epoch ms, platform receive clock; NaN before any sample
 * or silence). The engine shows it in MemberView.deviceState/deviceSince. Allocates: prefer
 * `deviceStateOf` / `deviceSinceOf` on hot paths. */
export function healthState(st: HealthState): { state: DeviceState; since: number } {
  return { state: deviceStateOf(st), since: deviceSinceOf(st) };
}
export function deviceStateOf(st: HealthState): DeviceState {
  return DEVICE_STATES[effectiveCode(st)]!;
}
export function deviceSinceOf(st: HealthState): number {
  toInts(st, scratch, 0);
  return deviceSinceAt(st.d, st.od, scratch, 0);
}

function effectiveCode(st: HealthState): number {
  return shownCode(st.silent, st.sc);
}

function describe(st: HealthState): RuleDetail {
  const c = effectiveCode(st);
  const cfg = st.cfg;
  const state = DEVICE_STATES[c]!;
  const runV = st.d[st.od + RUN_V]!;
  const v = runV === runV ? runV : null;
  if (c === SILENT) return ruleDetail(null, null, null, `${TEXT.silent}: 超过 ${cfg.silentMs / 1000} s 无数据`);
  if (c === STUCK) return ruleDetail(v, null, null, `${TEXT.stuck}: ${fmtValue(runV)} 连续 ${st.runN} 个样本`);
  if (c === OUT_OF_RANGE && v !== null) {
    const bound = v < cfg.lo ? cfg.lo : cfg.hi;
    return ruleDetail(v, bound, null, `${TEXT.out_of_range}: ${fmtValue(v)} 不在 [${cfg.lo}, ${cfg.hi}] 内`);
  }
  if (c === CLOCK_SKEW) return ruleDetail(null, null, null, `${TEXT.clock_skew}: 超过 ${cfg.skewMs / 1000} s`);
  return ruleDetail(null, null, null, TEXT[state]);
}

export const health: SensorRuleKind<HealthParams, HealthState> = {
  kind: 'health',
  scope: 'sensor',
  track: 'device',
  paramsSchema: healthParams,

  init(params: HealthParams, ctx: SensorRuleContext): HealthState {
    return initHealth(params, ctx);
  },

  evaluate: evaluateHealth,

  tick(st: HealthState, now: number): Level {
    toInts(st, scratch, 0);
    const l = tickAt(st.cfg, st.d, st.od, scratch, 0, now);
    fromInts(scratch, 0, st);
    return l;
  },

  describe,
  deviceState: deviceStateOf,
  deviceSince: deviceSinceOf,
  createBank: (arena) => new HealthBank(health, arena),
};

function healthCfg(params: HealthParams, ctx: SensorRuleContext): HealthCfg {
  const type = sensorType(ctx.sensor.type);
  if (!type) throw new Error(`health: unknown sensor type "${ctx.sensor.type}"`);
  const range = ctx.metricDef.range;
  const isBool = ctx.metricDef.kind === 'boolean';
  const key = `health|${type.intervalS}|${range ? range.join(',') : '-'}|${isBool ? 'b' : 'n'}|${JSON.stringify(params)}`;
  return internCompiled(key, () => new HealthCfg(params, type.intervalS, range, isBool));
}

function initHealth(params: HealthParams, ctx: SensorRuleContext): HealthState {
  return { cfg: healthCfg(params, ctx), sc: OK, silent: 0, runN: 0, d: new Float64Array(DOUBLES).fill(NaN), od: 0 };
}

/** The engine's bank of health states (bank.ts RecordBank): a record per state, 5 doubles and 4 small
 * integers, 56 B; the bank calls this kind's evaluate and tick directly, so that V8 inlines them. */
class HealthBank extends RecordBank<HealthParams, HealthState, HealthCfg> {
  // Checkpoints copy records bit for bit (bank.ts RawRecords): a change of this layout gets a new name.
  protected override readonly layout = 'health:1';
  protected override readonly recordDoubles = DOUBLES;
  protected override recordWordsOf(_cfg: HealthCfg): number {
    return DOUBLES + INTS / 2;
  }

  override add(params: HealthParams, ctx: SensorRuleContext): number {
    const cfg = healthCfg(params, ctx);
    const row = this.reserve(this.recordWordsOf(cfg));
    const c = chunkOf(row), w = wordOf(row);
    this.d[c]!.fill(NaN, w, w + DOUBLES);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    a[ai + CFG] = this.cfgId(cfg);
    a[ai + SC] = OK;
    return row;
  }

  override evaluate(row: number, sample: Sample): Level {
    const c = chunkOf(row), w = wordOf(row);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    return evaluateAt(this.cfgs[a[ai + CFG]!]!, this.d[c]!, w, a, ai, sample);
  }

  override tick(row: number, now: number): Level {
    const c = chunkOf(row), w = wordOf(row);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    return tickAt(this.cfgs[a[ai + CFG]!]!, this.d[c]!, w, a, ai, now);
  }

  override deviceState(row: number): DeviceState {
    return DEVICE_STATES[this.deviceStateIndex(row)]!;
  }

  /** The record's state code is the state's index in DEVICE_STATES. */
  override deviceStateIndex(row: number): number {
    const c = chunkOf(row), w = wordOf(row);
    return effectiveCodeAt(this.i[c]!, 2 * (w + DOUBLES));
  }

  override deviceSince(row: number): number {
    const c = chunkOf(row), w = wordOf(row);
    return deviceSinceAt(this.d[c]!, w, this.i[c]!, 2 * (w + DOUBLES));
  }

  /** A view's doubles are its record's, in the chunk (bank.ts `detached` copies them for checkpoints). */
  protected override view(row: number): HealthState {
    const c = chunkOf(row), w = wordOf(row);
    const a = this.i[c]!, ai = 2 * (w + DOUBLES);
    const st: HealthState = { cfg: this.cfgs[a[ai + CFG]!]!, sc: OK, silent: 0, runN: 0, d: this.d[c]!, od: w };
    fromInts(a, ai, st);
    return st;
  }

  protected override store(row: number, st: HealthState): void {
    const c = chunkOf(row), w = wordOf(row);
    toInts(st, this.i[c]!, 2 * (w + DOUBLES));
  }

  protected override slicesOf(_st: HealthState): readonly ChunkSlice[] {
    return SLICES;
  }
}

const SLICES: readonly ChunkSlice[] = [['d', 'od', DOUBLES]];
