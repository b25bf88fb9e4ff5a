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
//   clock_skew    |sample.ts − sample.receivedAt| > skewMs;
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
import { z } from 'zod';
import { Level, levelFromName, type LevelName } from '../../core/level.ts';
import { sensorType } from '../../core/sensor-types.ts';
import { DEVICE_STATES, type DeviceState, type RuleDetail, type Sample, type SensorRuleContext, type SensorRuleKind } from './kind.ts';
import { fmtValue, internCompiled } from './step.ts';
import { Chunks, ObjectBank, type ChunkSlice } from './bank.ts';

const LevelChoice = z.enum(['none', 'blue', 'yellow', 'orange', 'red']);

function evaluateHealth(st: HealthState, s: Sample): Level {
  const cfg = st.cfg;
  const d = st.d, o = st.od;
  const recv = s.receivedAt;
  // Any sample proves the device is talking.
  if (!(recv <= d[o + LAST_RECV]!)) d[o + LAST_RECV] = recv;
  st.silent = 0;
  const v = s.value;
  const q = qualityCode(s.quality);
  if (q === OK && v === v) {
    if (v === d[o + RUN_V]) st.runN += 1;
    else {
      d[o + RUN_V] = v;
      st.runN = 1;
      d[o + RUN_SINCE] = recv;
    }
  }
  let c: number;
  if (q !== OK) c = q;
  else if (v < cfg.lo || v > cfg.hi) c = OUT_OF_RANGE;
  // Hysteresis: once skewed, the clock must come back within half the limit to count as fixed.
  else if (Math.abs(s.ts - recv) > (st.sc === CLOCK_SKEW ? cfg.skewMs / 2 : cfg.skewMs)) c = CLOCK_SKEW;
  else if (!cfg.boolean && st.runN >= cfg.stuckSamples && recv - d[o + RUN_SINCE]! >= cfg.stuckMinMs) c = STUCK;
  else c = OK;
  const since = d[o + SC_SINCE]!;
  if (c !== st.sc || since !== since) {
    st.sc = c;
    d[o + SC_SINCE] = c === STUCK ? d[o + RUN_SINCE]! : recv;
  }
  return cfg.levels[c]!;
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
    // 5 % of the span of tolerance at each end: zero drift and noise just past a range end are the
    // instrument's normal (domain.md §2.1: ±1–3 %LEL zero drift normal, < −5 %LEL a fault) [PROPOSAL].
    const tol = range ? 0.05 * (range[1] - range[0]) : 0;
    this.lo = range ? range[0] - tol : -Infinity;
    this.hi = range ? range[1] + tol : Infinity;
    this.boolean = boolean;
    this.levels = DEVICE_STATES.map((s) => {
      const choice = p.levels?.[s] ?? DEFAULT_HEALTH_LEVELS[s];
      return choice === 'none' ? Level.none : levelFromName(choice);
    });
  }
}

/** Per-sensor state: plain data (checkpointed by the engine) plus the compiled config. */
export interface HealthState {
  cfg: HealthCfg;
  /** State code from the last sample (never SILENT); since when is d[od + SC_SINCE] (receive time). */
  sc: number;
  /** 1 while silent (set by tick, cleared by any sample). */
  silent: number;
  /** Samples in a row with the same quality-ok value (the flat run; its value and start are in `d`). */
  runN: number;
  /** The doubles, at d[od …]: SC_SINCE, LAST_RECV, FIRST_TICK, RUN_V, RUN_SINCE. An array of the state's
   * own after `init`; the engine's bank (HealthBank) keeps them in chunks shared by many states, so no
   * double is boxed on the heap (performance.md: ≤ 1 KB of state per sensor). */
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

function effectiveCode(st: HealthState): number {
  return st.silent !== 0 ? SILENT : st.sc;
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
  const d = st.d, o = st.od;
  if (st.silent === 0) return d[o + SC_SINCE]!;
  const last = d[o + LAST_RECV]!;
  return last === last ? last : d[o + FIRST_TICK]!;
}

function describe(st: HealthState): RuleDetail {
  const c = effectiveCode(st);
  const cfg = st.cfg;
  const state = DEVICE_STATES[c]!;
  const runV = st.d[st.od + RUN_V]!;
  const v = runV === runV ? runV : null;
  if (c === SILENT) return { value: null, threshold: null, nativeAlarm: null, text: `${TEXT.silent}: 超过 ${cfg.silentMs / 1000} s 无数据` };
  if (c === STUCK) return { value: v, threshold: null, nativeAlarm: null, text: `${TEXT.stuck}: ${fmtValue(runV)} 连续 ${st.runN} 个样本` };
  if (c === OUT_OF_RANGE && v !== null) {
    const bound = v < cfg.lo ? cfg.lo : cfg.hi;
    return { value: v, threshold: bound, nativeAlarm: null, text: `${TEXT.out_of_range}: ${fmtValue(v)} 不在 [${cfg.lo}, ${cfg.hi}] 内` };
  }
  if (c === CLOCK_SKEW) return { value: null, threshold: null, nativeAlarm: null, text: `${TEXT.clock_skew}: 超过 ${cfg.skewMs / 1000} s` };
  return { value: null, threshold: null, nativeAlarm: null, text: TEXT[state] };
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
    const d = st.d, o = st.od;
    const first = d[o + FIRST_TICK]!;
    if (first !== first) d[o + FIRST_TICK] = now;
    const recv = d[o + LAST_RECV]!;
    const last = recv === recv ? recv : d[o + FIRST_TICK]!;
    if (st.silent === 0 && now - last > st.cfg.silentMs) st.silent = 1;
    return st.cfg.levels[effectiveCode(st)]!;
  },

  describe,
  deviceState: deviceStateOf,
  deviceSince: deviceSinceOf,
  createBank: () => new HealthBank(health),
};

/** A fresh state, with its doubles in an array of its own or at `at` in a chunk (HealthBank). */
function initHealth(params: HealthParams, ctx: SensorRuleContext, at?: { a: Float64Array; o: number }): HealthState {
  const type = sensorType(ctx.sensor.type);
  if (!type) throw new Error(`health: unknown sensor type "${ctx.sensor.type}"`);
  const range = ctx.metricDef.range;
  const isBool = ctx.metricDef.kind === 'boolean';
  const key = `health|${type.intervalS}|${range ? range.join(',') : '-'}|${isBool ? 'b' : 'n'}|${JSON.stringify(params)}`;
  const cfg = internCompiled(key, () => new HealthCfg(params, type.intervalS, range, isBool));
  const d = at ? at.a : new Float64Array(DOUBLES);
  const od = at ? at.o : 0;
  d.fill(NaN, od, od + DOUBLES);
  return { cfg, sc: OK, silent: 0, runN: 0, d, od };
}

/** The engine's bank of health states (bank.ts): doubles in shared chunks, and a direct call to this kind's
 * evaluate so that V8 inlines it (a call through `kind.evaluate`, shared by every kind's bank, cannot be). */
class HealthBank extends ObjectBank<HealthParams, HealthState> {
  private readonly doubles = new Chunks((n) => new Float64Array(n), 8_190);

  override add(params: HealthParams, ctx: SensorRuleContext): number {
    this.states.push(initHealth(params, ctx, this.doubles.take(DOUBLES)));
    return this.states.length - 1;
  }

  override evaluate(row: number, sample: Sample): Level {
    return evaluateHealth(this.states[row]!, sample);
  }

  /** Checkpoints and restores copy this part out of the chunks (bank.ts `detached`). */
  protected override slicesOf(_st: HealthState): readonly ChunkSlice[] {
    return SLICES;
  }
}

const SLICES: readonly ChunkSlice[] = [['d', 'od', DOUBLES]];
