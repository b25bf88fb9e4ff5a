// The rule engine: evaluates committed readings in timestamp order per sensor against the compiled plan
// and tells the alert manager when the level in force for an alert key changes. Pure in the sense of
// architecture.md rule 1: no I/O, no clock reads but `now()` injected; the shell (rules/consumer.ts)
// feeds it from the journal and runs `tick` on the injected Clock.
//
// Decisions (docs/integration.md "Alerts"):
// - A reading older than the sensor's newest evaluated one is late: counted, not evaluated (a level already
//   decided is not rewritten); within one delivered batch readings are first put in timestamp order.
// - History imports (source `import`) warm windows and baselines but announce nothing; the next live
//   reading announces whatever level is then in force.
// - A reading evaluated more than `retrospectiveMs` after its device time raises a retrospective alert.
// - quality ≠ ok never feeds process rules (domain.md §2); the device track sees everything.
import v8 from 'node:v8';
import { Level } from '../../core/level.ts';
import type { JournalEntry, Quality } from '../../core/reading.ts';
import { QUALITIES } from '../../core/reading.ts';
import { deviceSinceOf, deviceStateOf } from '../kinds/health.ts';
import type { MemberView, Sample } from '../kinds/kind.ts';
import type { Evidence, LevelSignal } from './signal.ts';
import type { AlertSlot, CMetric, Contributor, CRule, CSensor, CSiteRule, Plan } from './plan.ts';
import { EVIDENCE_SAMPLES } from './compile.ts';
import { restoreInto, snapshotOf } from './snapshot.ts';

export interface EngineOptions {
  now: () => number;
  onSignal: (s: LevelSignal) => void;
  retrospectiveMs?: number;
  /** A device is offline when every sensor it reports for is silent (or lost); one site alert covers them. */
  offlineLevel?: Level;
}

export interface EngineCounters {
  evaluated: number;
  late: number;
  unknown: number;
  signals: number;
}

const OFFLINE_STATES = new Set(['silent', 'comm_lost']);
const QUALITY_INDEX = new Map<string, number>(QUALITIES.map((q, i) => [q, i]));

export class RuleEngine {
  readonly counters: EngineCounters = { evaluated: 0, late: 0, unknown: 0, signals: 0 };
  private readonly sample: Sample = { ts: 0, value: NaN, quality: 'ok', receivedAt: 0 };
  private readonly retroMs: number;
  private readonly view: MemberView;
  private members: number[] = [];
  private memberMetric: number[] = [];
  /** Journal position of the newest entry applied. */
  pos = 0;

  constructor(private plan: Plan, private readonly o: EngineOptions) {
    this.retroMs = o.retrospectiveMs ?? 5 * 60_000;
    const s = () => this.plan.sensors;
    this.view = {
      level: (i) => s()[this.members[i]!]!.ownLevel,
      deviceLevel: (i) => s()[this.members[i]!]!.deviceLevel,
      value: (i) => s()[this.members[i]!]!.metrics[this.memberMetric[i]!]!.last,
      valueTs: (i) => s()[this.members[i]!]!.metrics[this.memberMetric[i]!]!.lastTs,
      quality: (i) => s()[this.members[i]!]!.quality,
      deviceState: (i) => s()[this.members[i]!]!.deviceState,
      deviceSince: (i) => s()[this.members[i]!]!.deviceSince,
    };
  }

  get currentPlan(): Plan {
    return this.plan;
  }

  /** Evaluates committed journal entries (journal order); entries at or below `pos` are replays and skipped. */
  evaluate(entries: readonly JournalEntry[]): void {
    let batch = entries;
    if (needsOrdering(entries)) batch = [...entries].sort((a, b) => a.ts - b.ts || a.pos - b.pos);
    for (const e of batch) {
      if (e.pos <= this.pos) continue;
      const s = this.plan.byKey.get(`${e.enterpriseId}/${e.sensorId}`);
      if (s) this.evaluateEntry(s, e);
      else this.counters.unknown++;
    }
    for (const e of entries) if (e.pos > this.pos) this.pos = e.pos;
  }

  /** Hot path for one reading of one sensor (also what bench:rules drives directly). */
  evaluateEntry(s: CSensor, e: JournalEntry): void {
    if (e.ts < s.lastTs) { this.counters.late++; return; }
    s.lastTs = e.ts;
    this.counters.evaluated++;
    const sample = this.sample;
    sample.ts = e.ts;
    sample.quality = e.quality;
    // History imports arrive long after their device time by nature: no clock-skew judgement on them.
    sample.receivedAt = e.source === 'import' ? e.ts : e.receivedAt;
    const ok = e.quality === 'ok';
    const values = e.values;
    let changed = false;
    for (let mi = 0; mi < s.metrics.length; mi++) {
      const m = s.metrics[mi]!;
      const v = metricValue(m, values);
      sample.value = v;
      if (v === v) { m.last = v; m.lastTs = e.ts; }
      const dev = m.device;
      for (let i = 0; i < dev.length; i++) {
        const r = dev[i]!;
        const l = r.kind.evaluate(r.state, sample) as Level;
        if (l !== r.level) { r.level = l; changed = true; }
      }
      if (ok && v === v) {
        const proc = m.process;
        for (let i = 0; i < proc.length; i++) {
          const r = proc[i]!;
          let l = r.kind.evaluate(r.state, sample) as Level;
          if (r.inSeason !== null && !r.inSeason(e.ts)) l = Level.none;
          if (l !== r.level) { r.level = l; changed = true; }
        }
      }
    }
    s.quality = e.quality;
    this.pushEvidence(s, e);
    // The common case (no level moved, nobody reads this sensor) ends here: nothing to settle or announce.
    if (changed || s.dependents.length > 0 || s.health !== null && (s.device.announced !== Level.none || s.device.level !== Level.none)) {
      this.settleSensor(s, e.source === 'import' ? -1 : e.pos, e.ts, this.o.now() - e.ts > this.retroMs);
    }
  }

  /** The clock: time-based levels (no-data, schedules, durations), site rules and offline grouping. */
  tick(now: number): void {
    const n = this.tickUnits();
    this.tickRange(now, 0, n);
  }

  /** Work units of one tick: every sensor, then every site rule, then the offline grouping (one unit). The
   * shell runs them in slices so that a tick over 100k sensors never blocks the event loop for long. */
  tickUnits(): number {
    return this.plan.sensors.length + this.plan.siteRules.length + 1;
  }

  tickRange(now: number, from: number, to: number): void {
    const sensors = this.plan.sensors;
    const rules = this.plan.siteRules;
    for (let u = from; u < to; u++) {
      if (u < sensors.length) this.tickSensor(sensors[u]!, now);
      else if (u - sensors.length < rules.length) this.evalSiteRule(rules[u - sensors.length]!, now, 0, false);
      else this.groupOffline(now);
    }
  }

  private tickSensor(s: CSensor, now: number): void {
    if (s.tickers.length === 0) return;
    let changed = false;
    for (const r of s.tickers) {
      let l = r.kind.tick!(r.state, now) as Level;
      if (r.inSeason !== null && !r.inSeason(now)) l = Level.none;
      if (l !== r.level) { r.level = l; changed = true; }
    }
    // A slot whose announcement lags its level (forgotten after an archive, uncovered) is settled too.
    if (changed || s.process.announced !== (s.process.covered ? Level.none : s.process.level) || s.device.announced !== (s.device.covered ? Level.none : s.device.level)) {
      this.settleSensor(s, 0, now, false, true);
    }
  }

  /** The checkpoint: rule states, sensor state and what each slot last announced, with the journal position. */
  snapshot(): Uint8Array {
    const rules: Record<string, { f: number; s: unknown; l: number }> = {};
    const fps: string[] = [];
    const fpIndex = new Map<string, number>();
    const put = (r: CRule | CSiteRule) => {
      let f = fpIndex.get(r.fingerprint);
      if (f === undefined) { f = fps.length; fps.push(r.fingerprint); fpIndex.set(r.fingerprint, f); }
      rules[r.uid] = { f, s: snapshotOf(r.state), l: r.level };
    };
    const sensors: Record<string, unknown> = {};
    for (const s of this.plan.sensors) {
      for (const m of s.metrics) { for (const r of m.process) put(r); for (const r of m.device) put(r); }
      sensors[s.key] = { lastTs: s.lastTs, quality: s.quality, metrics: s.metrics.map((m) => [m.name, m.last, m.lastTs]),
        ev: [s.evTs.slice(), s.evVal.slice(), s.evQ.slice(), s.evN], ds: s.deviceState, dsSince: s.deviceSince };
    }
    for (const r of this.plan.siteRules) put(r);
    const slots: Record<string, [number, number, boolean]> = {};
    for (const sl of this.plan.slots.values()) if (sl.announced !== Level.none || sl.level !== Level.none) slots[sl.key] = [sl.level, sl.announced, sl.covered];
    return v8.serialize({ v: 2, pos: this.pos, fps, rules, sensors, slots });
  }

  /** Restores a checkpoint into the current plan (rules whose params changed start fresh). */
  restore(bytes: Uint8Array): void {
    const cp = v8.deserialize(bytes) as {
      pos: number; fps: string[]; rules: Record<string, { f: number; s: never; l: number }>; sensors: Record<string, { lastTs: number; quality: Quality; metrics: [string, number, number][]; ev: [Float64Array, Float32Array, Uint8Array, number]; ds: CSensor['deviceState']; dsSince: number }>;
      slots: Record<string, [number, number, boolean]>;
    };
    this.pos = cp.pos;
    this.adopt(cp);
  }

  /** What GET /api/sensors shows: the level in force at a sensor (max over its rules and site rules feeding
   * its alert) and its device state. */
  sensorState(enterpriseId: string, sensorId: string): { level: Level; deviceLevel: Level; deviceState: string } | undefined {
    const s = this.plan.byKey.get(`${enterpriseId}/${sensorId}`);
    return s ? { level: s.process.level, deviceLevel: s.device.covered ? Level.none : s.device.level, deviceState: s.deviceState } : undefined;
  }

  /** The manager archived the alert of `key` and nothing holds the key: what was announced is forgotten,
   * so a condition still in force is announced again (a new alert) at the next evaluation or tick. */
  forget(key: string): void {
    const sl = this.plan.slots.get(key);
    if (sl) sl.announced = Level.none;
  }

  /** Swaps in a new plan (hot reload), carrying state over from the old one where rules are unchanged. */
  replacePlan(next: Plan): void {
    const bytes = this.snapshot();
    this.plan = next;
    this.adopt(v8.deserialize(bytes));
  }

  private adopt(cp: { fps: string[]; rules: Record<string, { f: number; s: never; l: number }>; sensors: Record<string, { lastTs: number; quality: Quality; metrics: [string, number, number][]; ev: [Float64Array, Float32Array, Uint8Array, number]; ds: CSensor['deviceState']; dsSince: number }>; slots: Record<string, [number, number, boolean]> }): void {
    const take = (r: CRule | CSiteRule) => {
      const c = cp.rules[r.uid];
      if (!c || cp.fps[c.f] !== r.fingerprint) return;
      if (r.state && typeof r.state === 'object') restoreInto(r.state as Record<string, unknown>, c.s);
      r.level = c.l as Level;
    };
    for (const s of this.plan.sensors) {
      for (const m of s.metrics) { for (const r of m.process) take(r); for (const r of m.device) take(r); }
      const c = cp.sensors[s.key];
      if (c) {
        s.lastTs = c.lastTs ?? -Infinity;
        s.quality = c.quality;
        for (const [name, last, lastTs] of c.metrics) { const m = s.metrics.find((x) => x.name === name); if (m) { m.last = last ?? NaN; m.lastTs = lastTs ?? -Infinity; } }
        s.evTs.set(c.ev[0].subarray(0, EVIDENCE_SAMPLES)); s.evVal.set(c.ev[1].subarray(0, EVIDENCE_SAMPLES)); s.evQ.set(c.ev[2].subarray(0, EVIDENCE_SAMPLES)); s.evN = c.ev[3];
        s.deviceState = c.ds; s.deviceSince = c.dsSince;
      }
      s.ownLevel = maxLevel(s.metrics, 'process');
      s.deviceLevel = maxLevel(s.metrics, 'device');
    }
    for (const r of this.plan.siteRules) take(r);
    for (const sl of this.plan.slots.values()) {
      const c = cp.slots[sl.key];
      sl.contributors.length && recomputeTop(sl);
      if (c) { sl.announced = c[1] as Level; sl.covered = c[2]; }
    }
  }

  private settleSensor(s: CSensor, pos: number, ts: number, retro: boolean, fromTick = false): void {
    const prevOwn = s.ownLevel;
    const prevState = s.deviceState;
    s.ownLevel = maxLevel(s.metrics, 'process');
    s.deviceLevel = maxLevel(s.metrics, 'device');
    if (s.health) {
      s.deviceState = deviceStateOf(s.health.state as never);
      s.deviceSince = deviceSinceOf(s.health.state as never);
    }
    // Site rules reading this sensor first, then each slot once: a reading that lifts a detector to orange
    // and, through a composite on the same alert, to red is one announcement (red), not orange then red.
    const deps = s.dependents.length > 0 && (!fromTick || prevOwn !== s.ownLevel || prevState !== s.deviceState);
    if (deps) for (const r of s.dependents) this.evalSiteRule(r, ts, pos, retro, false);
    this.settleSlot(s.process, pos, ts, retro);
    // Silence found by the clock is announced by groupOffline at the end of the tick, once it is known whether
    // the whole device is down (one site alert) or just this sensor (its own device alert).
    if (!(fromTick && s.sharedDevice && OFFLINE_STATES.has(s.deviceState))) this.settleSlot(s.device, pos, ts, retro);
    if (deps) for (const r of s.dependents) if (r.slot !== s.process && r.slot !== s.device) this.settleSlot(r.slot, pos, ts, retro);
  }

  private evalSiteRule(r: CSiteRule, now: number, pos: number, retro: boolean, settle = true): void {
    this.members = r.members;
    this.memberMetric = r.memberMetric;
    const l = r.kind.evaluate(r.state, this.view, now) as Level;
    r.level = r.inSeason && !r.inSeason(now) ? Level.none : l;
    if (settle) this.settleSlot(r.slot, pos, now, retro);
  }

  /** pos -1 = an import: levels move, nothing is announced. */
  private settleSlot(sl: AlertSlot, pos: number, ts: number, retro: boolean): void {
    recomputeTop(sl);
    const effective = sl.covered ? Level.none : sl.level;
    if (pos < 0 || effective === sl.announced) return;
    sl.announced = effective;
    this.emit(sl, effective, ts, pos, retro);
  }

  private emit(sl: AlertSlot, level: Level, ts: number, pos: number, retro: boolean): void {
    const top = sl.top;
    const d = top ? top.kind.describe(top.state) : null;
    const s = sl.sensorId ? this.plan.byKey.get(`${sl.enterpriseId}/${sl.sensorId}`) : undefined;
    const raisedNow = level !== Level.none;
    const evidence: Evidence | null = raisedNow && top ? {
      samples: s ? this.evidenceOf(s) : [],
      rule: { id: top.id, kind: top.kindName, version: top.version, source: top.source, clause: top.clause, confidence: top.confidence, params: top.params },
    } : null;
    this.counters.signals++;
    this.o.onSignal({
      key: sl.key, kind: sl.kind, enterpriseId: sl.enterpriseId, siteId: sl.siteId, sensorId: sl.sensorId, metric: sl.metric,
      level, rule: top ? top.id : 'none', ruleVersion: top ? top.version : 0, thresholdSource: top ? top.thresholdSource : 'default',
      nativeAlarm: raisedNow ? d?.nativeAlarm ?? null : null, value: d?.value ?? null, threshold: raisedNow ? d?.threshold ?? null : null, unit: sl.unit,
      text: raisedNow ? d?.text ?? '' : '已恢复正常', ts, pos, retrospective: retro, parentKey: sl.parentKey, evidence,
    });
  }

  /** One site-level alert instead of a point alert per sensor when whole devices go offline (issue 4 "Noise"). */
  private groupOffline(now: number): void {
    for (const site of this.plan.sites) {
      const offlineDevices: string[] = [];
      for (const [deviceId, idxs] of site.devices) {
        if (idxs.length < 2) continue;
        if (idxs.every((i) => OFFLINE_STATES.has(this.plan.sensors[i]!.deviceState))) offlineDevices.push(deviceId);
      }
      const covered = new Set<number>();
      for (const d of offlineDevices) for (const i of site.devices.get(d)!) covered.add(i);
      for (const i of site.sensors) {
        const s = this.plan.sensors[i]!;
        s.device.covered = covered.has(i);
        this.settleSlot(s.device, 0, now, false);
      }
      const sl = site.offline;
      const level = offlineDevices.length > 0 ? (this.o.offlineLevel ?? Level.yellow) : Level.none;
      if (level !== sl.level || (level !== Level.none && sl.announced === Level.none)) {
        sl.level = level;
        sl.top = null;
        if (level !== sl.announced) {
          sl.announced = level;
          this.counters.signals++;
          this.o.onSignal({
            key: sl.key, kind: 'device', enterpriseId: sl.enterpriseId, siteId: sl.siteId, sensorId: null, metric: null, level,
            rule: 'site.offline', ruleVersion: 1, thresholdSource: 'default', nativeAlarm: null, value: offlineDevices.length, threshold: null, unit: null,
            text: level ? `${offlineDevices.length} 台设备离线（${offlineDevices.slice(0, 5).join('、')}${offlineDevices.length > 5 ? '…' : ''}），其测点全部中断` : '设备恢复在线',
            ts: now, pos: 0, retrospective: false, parentKey: null, evidence: null,
          });
        }
      }
    }
  }

  private pushEvidence(s: CSensor, e: JournalEntry): void {
    const i = s.evN % EVIDENCE_SAMPLES;
    s.evTs[i] = e.ts;
    s.evVal[i] = s.metrics[0]!.last;
    s.evQ[i] = e.quality === 'ok' ? 0 : QUALITY_INDEX.get(e.quality) ?? 0;
    s.evN++;
  }

  private evidenceOf(s: CSensor): Evidence['samples'] {
    const out: Evidence['samples'] = [];
    const n = Math.min(s.evN, EVIDENCE_SAMPLES);
    for (let k = s.evN - n; k < s.evN; k++) {
      const i = k % EVIDENCE_SAMPLES;
      out.push({ ts: s.evTs[i]!, value: Math.round(s.evVal[i]! * 1e4) / 1e4, quality: QUALITIES[s.evQ[i]!] ?? 'ok' });
    }
    return out;
  }
}

function metricValue(m: CMetric, values: Record<string, number | boolean>): number {
  if (m.derived === 'disp') {
    const dx = values.dx, dy = values.dy;
    return typeof dx === 'number' && typeof dy === 'number' ? Math.hypot(dx, dy) : NaN;
  }
  const v = values[m.name];
  return typeof v === 'number' ? v : v === true ? 1 : v === false ? 0 : NaN;
}

function maxLevel(metrics: CMetric[], track: 'process' | 'device'): Level {
  let l: Level = Level.none;
  for (const m of metrics) for (const r of track === 'process' ? m.process : m.device) if (r.level > l) l = r.level;
  return l;
}

function recomputeTop(sl: AlertSlot): void {
  let l: Level = Level.none;
  let top: Contributor | null = null;
  for (const c of sl.contributors) if (c.level > l) { l = c.level; top = c; }
  sl.level = l;
  // At none the last top stays: it describes the recovery.
  if (top) sl.top = top;
}

function needsOrdering(entries: readonly JournalEntry[]): boolean {
  if (entries.length < 2) return false;
  const last = new Map<string, number>();
  for (const e of entries) {
    const k = e.sensorId;
    const p = last.get(k);
    if (p !== undefined && e.ts < p) return true;
    last.set(k, e.ts);
  }
  return false;
}
