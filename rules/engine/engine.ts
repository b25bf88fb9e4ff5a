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
import { Level } from '../../core/level.ts';
import type { JournalEntry } from '../../core/reading.ts';
import { QUALITIES } from '../../core/reading.ts';
import { DEVICE_STATES, type DeviceState, type MemberView, type RuleBank, type Sample } from '../kinds/kind.ts';
import type { Evidence, LevelSignal } from './signal.ts';
import type { AlertSlot, CSite, CSiteRule, MetricColumns, Plan, RuleColumns, SensorColumns } from './plan.ts';
import { EVIDENCE_SAMPLES } from './compile.ts';
import { restoreInto } from '../kinds/snapshot.ts';
import { makePlanPart, readCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointV3, type PlanPart } from './checkpoint.ts';
import { buildProgram, type SensorProgram } from './program.ts';

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

const QUALITY_INDEX = new Map<string, number>(QUALITIES.map((q, i) => [q, i]));
const SILENT = DEVICE_STATES.indexOf('silent');
const COMM_LOST = DEVICE_STATES.indexOf('comm_lost');
const isOffline = (state: number) => state === SILENT || state === COMM_LOST;

export class RuleEngine {
  readonly counters: EngineCounters = { evaluated: 0, late: 0, unknown: 0, signals: 0 };
  private readonly sample: Sample = { ts: 0, value: NaN, quality: 'ok', receivedAt: 0, imported: false };
  private readonly retroMs: number;
  private readonly view: MemberView;
  private members: number[] = [];
  private memberMetric: number[] = [];
  // The plan's columns, held directly (the hot path reads them on every reading).
  private S!: SensorColumns;
  private M!: MetricColumns;
  private R!: RuleColumns;
  private banks!: RuleBank[];
  /** The plan's generated evaluators (program.ts), by shape. */
  private programs: SensorProgram[] = [];
  /** Values of the current reading's metrics (scratch, sized to the widest sensor). */
  private mv = new Float64Array(8);
  /** Per site rule: 1 when its kind says the clock alone cannot move it (`SiteRuleKind.idle`, asked after each
   * evaluation); the tick skips those. A gas site carries one `orange_persisting` composite per detector: 10k of
   * them evaluated every tick cost ≈ 20 ms of the event loop, and that was the end-to-end p99. */
  private siteIdle = new Uint8Array(0);
  /** Per sensor, its process slot (plan.sensors[i].process). */
  private processSlots: AlertSlot[] = [];
  /** Journal position of the newest entry applied. */
  pos = 0;

  constructor(private plan: Plan, private readonly o: EngineOptions) {
    this.retroMs = o.retrospectiveMs ?? 5 * 60_000;
    this.bind(plan);
    this.view = {
      level: (i) => this.S.own[this.members[i]!]! as Level,
      deviceLevel: (i) => this.S.deviceLevel[this.members[i]!]! as Level,
      value: (i) => this.M.last[this.memberMetric[i]!]!,
      valueTs: (i) => this.M.lastTs[this.memberMetric[i]!]!,
      quality: (i) => QUALITIES[this.S.quality[this.members[i]!]!]!,
      deviceState: (i) => DEVICE_STATES[this.S.deviceState[this.members[i]!]!]!,
      deviceSince: (i) => this.S.deviceSince[this.members[i]!]!,
    };
  }

  private bind(plan: Plan): void {
    this.plan = plan;
    this.S = plan.s;
    this.M = plan.m;
    this.R = plan.r;
    this.banks = plan.banks;
    this.programs = plan.shapes.map((shape) => buildProgram(shape, plan.m, plan.r, plan.banks, this.sample));
    this.siteIdle = new Uint8Array(plan.siteRules.length);
    this.processSlots = plan.sensors.map((c) => c.process);
    this.planPart = null;
    let widest = 1;
    for (let i = 0; i < plan.sensors.length; i++) widest = Math.max(widest, plan.s.metricFrom[i + 1]! - plan.s.metricFrom[i]!);
    if (widest > this.mv.length) this.mv = new Float64Array(widest);
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
      if (s) this.evaluateEntry(s.idx, e);
      else this.counters.unknown++;
    }
    for (const e of entries) if (e.pos > this.pos) this.pos = e.pos;
  }

  /** Hot path for one reading of sensor number `i` (also what bench:rules drives directly). */
  evaluateEntry(i: number, e: JournalEntry): void {
    const S = this.S;
    const ts = e.ts;
    if (ts < S.lastTs[i]!) { this.counters.late++; return; }
    S.lastTs[i] = ts;
    this.counters.evaluated++;
    const sample = this.sample;
    sample.ts = ts;
    sample.quality = e.quality;
    // History imports arrive long after their device time by nature: no clock-skew judgement on them, and no
    // liveness (the health kind).
    const imported = e.source === 'import';
    sample.imported = imported;
    sample.receivedAt = imported ? ts : e.receivedAt;
    // The first live reading after an import announces the levels then in force, moved or not (tickSensor).
    const firstLive = !imported && S.heard[i] === 1;
    S.heard[i] = imported ? 1 : 2;
    const ok = e.quality === 'ok';
    const M = this.M;
    const m0 = S.metricFrom[i]!;
    const p = S.program[i]!;
    const changed = p >= 0 ? this.programs[p]!(m0, S.ruleFrom[i]!, e.values, ok) : this.evaluateRules(i, m0, e.values, ok, ts);
    S.quality[i] = ok ? 0 : QUALITY_INDEX.get(e.quality) ?? 0;
    this.pushEvidence(i, ts, M.last[m0]!, S.quality[i]!);
    // The common case (no level moved, no site rule reads this sensor's values) ends here: nothing to settle or
    // announce. A site rule that reads only levels (a detector's `orange_persisting`) cannot move either,
    // unless it is not idle (a duration running: a member's reading completes it on the reading's time).
    const reads = S.dependentReads[i]!;
    if (changed || reads === 2 || (reads === 1 && this.dependentsBusy(i)) || (S.health[i]! >= 0 && S.deviceHot[i] === 1) || firstLive) {
      this.settleSensor(i, imported ? -1 : e.pos, ts, this.o.now() - ts > this.retroMs);
    }
  }

  /** Whether a site rule reading sensor i is not idle (`SiteRuleKind.idle`): it is evaluated at the reading. */
  private dependentsBusy(i: number): boolean {
    const deps = this.plan.sensors[i]!.dependents;
    for (let k = 0; k < deps.length; k++) if (this.siteIdle[deps[k]!.idx] === 0) return true;
    return false;
  }

  /** The generic loop a generated program (program.ts) replaces: the metrics' values, then every rule of
   * sensor i on the sample; true when a rule's level moved. Sensors past MAX_PROGRAMS shapes run here. */
  private evaluateRules(i: number, m0: number, values: JournalEntry['values'], ok: boolean, ts: number): boolean {
    const S = this.S, M = this.M, R = this.R, banks = this.banks, mv = this.mv, sample = this.sample;
    const m1 = S.metricFrom[i + 1]!;
    for (let mi = m0; mi < m1; mi++) {
      const v = metricValue(M, mi, values);
      mv[mi - m0] = v;
      if (v === v) { M.last[mi] = v; M.lastTs[mi] = ts; }
    }
    let changed = false;
    const r1 = S.ruleFrom[i + 1]!;
    for (let j = S.ruleFrom[i]!; j < r1; j++) {
      const v = mv[R.metric[j]! - m0]!;
      let l: Level;
      if (R.track[j] === 1) {
        sample.value = v;
        l = evaluateIn(banks, R.bank[j]!, R.row[j]!, sample);
      } else if (ok && v === v) {
        sample.value = v;
        l = evaluateIn(banks, R.bank[j]!, R.row[j]!, sample);
        if (R.seasonal[j] === 1 && !R.spec[j]!.inSeason!(ts)) l = Level.none;
      } else continue;
      if (l !== R.level[j]) { R.level[j] = l; changed = true; }
    }
    return changed;
  }

  /** The clock: time-based levels (no-data, schedules, durations), site rules and offline grouping. */
  tick(now: number): void {
    const n = this.tickUnits();
    this.tickRange(now, 0, n);
  }

  /** Work units of one tick: every sensor, then every site rule, then the offline grouping of every site.
   * The shell runs them in slices so that a tick over 100k sensors never blocks the event loop for long. */
  tickUnits(): number {
    return this.plan.sensors.length + this.plan.siteRules.length + this.plan.sites.length;
  }

  tickRange(now: number, from: number, to: number): void {
    const n = this.plan.sensors.length;
    const rules = this.plan.siteRules;
    const sites = this.plan.sites;
    for (let u = from; u < to; u++) {
      if (u < n) this.tickSensor(u, now);
      else if (u - n < rules.length) { if (this.siteIdle[u - n] === 0) this.evalSiteRule(rules[u - n]!, now, this.heardLive(rules[u - n]!) ? 0 : -1, false); }
      else if (u - n - rules.length < sites.length) this.groupOffline(sites[u - n - rules.length]!, now);
    }
  }

  private tickSensor(i: number, now: number): void {
    const R = this.R;
    let ticked = false;
    let changed = false;
    let deviceChanged = false;
    const r1 = this.S.ruleFrom[i + 1]!;
    for (let j = this.S.ruleFrom[i]!; j < r1; j++) {
      if (R.ticks[j] !== 1) continue;
      ticked = true;
      let l = this.banks[R.bank[j]!]!.tick(R.row[j]!, now);
      if (R.seasonal[j] === 1 && !R.spec[j]!.inSeason!(now)) l = Level.none;
      if (l !== R.level[j]) { R.level[j] = l; changed = true; if (R.track[j] === 1) deviceChanged = true; }
    }
    if (!ticked) return;
    // A slot whose announcement lags its level (forgotten after an archive, uncovered) is settled too.
    const s = this.plan.sensors[i]!;
    if (changed || s.process.announced !== (s.process.covered ? Level.none : s.process.level) || s.device.announced !== (s.device.covered ? Level.none : s.device.level)) {
      // Last heard through a history import: its levels are history, which the sensor's next live reading
      // announces as then in force. A tick during (or after) an import announcing them would raise alerts for
      // moments of the past, one after another as the import goes (a yellow raised and recovered in seconds).
      // Only what the clock itself found now is announced: a device rule it moved (silence).
      if (this.S.heard[i] === 1) this.settleSensor(i, -1, now, false, true, deviceChanged ? 0 : -1);
      else this.settleSensor(i, 0, now, false, true);
    }
  }

  /** Whether a site rule may announce on the clock: not when its members were heard only through an import (none
   * live yet, some imported): it would judge history (see tickSensor). */
  private heardLive(r: CSiteRule): boolean {
    const heard = this.S.heard;
    let imported = false;
    for (let k = 0; k < r.members.length; k++) {
      const h = heard[r.members[k]!];
      if (h === 2) return true;
      if (h === 1) imported = true;
    }
    return !imported;
  }

  /** The checkpoint (checkpoint.ts `writeCheckpoint`, format 5): rule states, sensor state and what each slot last
   * announced, with the journal position. It runs on the serving thread: at 10k gas detectors ≈ 6 ms. */
  snapshot(): Uint8Array {
    return writeCheckpoint(this.plan, (this.planPart ??= makePlanPart(this.plan)), this.pos);
  }

  /** The plan's fixed part of every checkpoint, and each bank's rows in pack order (made at the first one). */
  private planPart: PlanPart | null = null;

  /** Restores a checkpoint into the current plan (rules whose params changed start fresh). A checkpoint of an
   * older or unknown format (4: records copied per row, written only during the eleventh session) restores the
   * journal position and what the slots announced; rule state starts fresh. */
  restore(bytes: Uint8Array): void {
    const c = readCheckpoint(bytes);
    this.pos = c.pos;
    if (c.cp) this.adopt(c.cp, c.arena);
    else this.adoptSlots(c.slots);
  }

  /** What GET /api/sensors shows: the level in force at a sensor (max over its rules and site rules feeding
   * its alert), its device state and the latest value of its first metric. */
  sensorState(enterpriseId: string, sensorId: string): { level: Level; deviceLevel: Level; deviceState: DeviceState; value: number } | undefined {
    const s = this.plan.byKey.get(`${enterpriseId}/${sensorId}`);
    if (!s) return undefined;
    return { level: s.process.level, deviceLevel: s.device.covered ? Level.none : s.device.level, deviceState: DEVICE_STATES[this.S.deviceState[s.idx]!]!, value: this.M.last[this.S.metricFrom[s.idx]!]! };
  }

  /** The level a sensor rule of a sensor decides now (tests and tools). */
  ruleLevel(enterpriseId: string, sensorId: string, ruleId: string): Level | undefined {
    const s = this.plan.byKey.get(`${enterpriseId}/${sensorId}`);
    if (!s) return undefined;
    for (let j = this.S.ruleFrom[s.idx]!; j < this.S.ruleFrom[s.idx + 1]!; j++) if (this.R.spec[j]!.id === ruleId) return this.R.level[j]! as Level;
    return undefined;
  }

  /** The manager archived the alert of `key` and nothing holds the key: what was announced is forgotten,
   * so a condition still in force is announced again (a new alert) at the next evaluation or tick. */
  forget(key: string): void {
    const sl = this.plan.slots.get(key);
    if (!sl) return;
    sl.announced = Level.none;
    this.markHot(sl);
    // A site slot is announced again by its rules' evaluation: on the next tick, idle or not. (A sensor's slot
    // is settled by the sensor's own readings and ticks.)
    if (sl.sensorIdx < 0) this.siteIdle.fill(0);
  }

  /** Swaps in a new plan (hot reload), carrying state over from the old one where rules are unchanged. */
  replacePlan(next: Plan): void {
    const bytes = this.snapshot();
    this.bind(next);
    this.restore(bytes);
  }

  private adopt(cp: CheckpointV3, arena: readonly Int32Array[] | null): void {
    const { S, M, R, banks } = this;
    const oldSensor = new Map(cp.keys.map((k, i) => [k, i]));
    const bankOf = new Map(cp.banks.map((b) => [b.kind, b.packed]));
    for (const cs of this.plan.sensors) {
      const i = cs.idx;
      const o = oldSensor.get(cs.key);
      if (o === undefined) { S.own[i] = 0; S.deviceLevel[i] = 0; continue; }
      // Rules: matched by id and params fingerprint within the sensor.
      for (let j = S.ruleFrom[i]!; j < S.ruleFrom[i + 1]!; j++) {
        const spec = R.spec[j]!;
        for (let k = cp.s.ruleFrom[o]!; k < cp.s.ruleFrom[o + 1]!; k++) {
          const old = cp.r.specs[cp.r.spec[k]!]!;
          if (old.id !== spec.id || cp.fps[old.f] !== spec.fingerprint || old.kind !== spec.kindName) continue;
          const packed = bankOf.get(spec.kindName);
          if (packed !== undefined && banks[R.bank[j]!]!.unpack(packed, cp.r.packedAt[k]!, R.row[j]!, arena)) R.level[j] = cp.r.level[k]!;
          break;
        }
      }
      S.lastTs[i] = cp.s.lastTs[o]!;
      S.heard[i] = cp.s.heard ? cp.s.heard[o]! : S.lastTs[i] > -Infinity ? 2 : 0;
      S.quality[i] = cp.s.quality[o]!;
      for (let k = cp.s.metricFrom[o]!; k < cp.s.metricFrom[o + 1]!; k++) {
        const mi = cs.metrics.findIndex((x) => x.name === cp.m.name[k]);
        if (mi >= 0) { M.last[S.metricFrom[i]! + mi] = cp.m.last[k]!; M.lastTs[S.metricFrom[i]! + mi] = cp.m.lastTs[k]!; }
      }
      const e0 = i * EVIDENCE_SAMPLES, o0 = o * EVIDENCE_SAMPLES;
      S.evTs.set(cp.s.evTs.subarray(o0, o0 + EVIDENCE_SAMPLES), e0);
      S.evVal.set(cp.s.evVal.subarray(o0, o0 + EVIDENCE_SAMPLES), e0);
      S.evQ.set(cp.s.evQ.subarray(o0, o0 + EVIDENCE_SAMPLES), e0);
      S.evN[i] = cp.s.evN[o]!;
      S.deviceState[i] = cp.s.deviceState[o]!;
      S.deviceSince[i] = cp.s.deviceSince[o]!;
      this.trackLevels(i);
    }
    for (const r of this.plan.siteRules) {
      const c = cp.site[r.uid];
      if (!c || cp.fps[c.f] !== r.fingerprint) continue;
      if (r.state && typeof r.state === 'object') restoreInto(r.state as Record<string, unknown>, c.s as never);
      r.level = c.l as Level;
    }
    this.adoptSlots(cp.slots);
    this.siteIdle.fill(0);
  }

  private adoptSlots(slots: Checkpoint['slots']): void {
    for (const sl of this.plan.slots.values()) {
      const c = slots[sl.key];
      if (sl.sensorIdx >= 0 || sl.siteContributors.length > 0) this.recomputeTop(sl);
      if (c) { sl.announced = c[1] as Level; sl.covered = c[2]; }
      this.markHot(sl);
    }
  }

  private settleSensor(i: number, pos: number, ts: number, retro: boolean, fromTick = false, devicePos = pos): void {
    const S = this.S;
    const prevOwn = S.own[i];
    const prevState = S.deviceState[i];
    this.trackLevels(i);
    const h = S.health[i]!;
    if (h >= 0) {
      const bank = this.banks[this.R.bank[h]!]!;
      S.deviceState[i] = bank.deviceStateIndex(this.R.row[h]!);
      S.deviceSince[i] = bank.deviceSince(this.R.row[h]!);
    }
    // Site rules reading this sensor first, then each slot once: a reading that lifts a detector to orange
    // and, through a composite on the same alert, to red is one announcement (red), not orange then red.
    const deps = S.dependentReads[i] !== 0 && (!fromTick || prevOwn !== S.own[i] || prevState !== S.deviceState[i]);
    if (deps) for (const r of this.plan.sensors[i]!.dependents) this.evalSiteRule(r, ts, pos, retro, false);
    // The process slot from a column of its own: the sensor's object (one more cache miss at 10k sensors) is read
    // only when its device slot or site rules are in play.
    this.settleSlot(this.processSlots[i]!, pos, ts, retro);
    // The device slot cannot move when it has no level and announced none (deviceHot 0), no device rule has a
    // level, and no site rule (one may feed it) was evaluated here: most settles (a process level moved) skip it.
    // Silence found by the clock is announced by groupOffline at the end of the tick, once it is known whether
    // the whole device is down (one site alert) or just this sensor (its own device alert).
    if (deps || S.deviceLevel[i] !== 0 || S.deviceHot[i] === 1) {
      const s = this.plan.sensors[i]!;
      if (!(fromTick && s.sharedDevice && isOffline(S.deviceState[i]!))) this.settleSlot(s.device, devicePos, ts, retro);
      if (deps) for (const r of s.dependents) if (r.slot !== s.process && r.slot !== s.device) this.settleSlot(r.slot, pos, ts, retro);
    }
  }

  private evalSiteRule(r: CSiteRule, now: number, pos: number, retro: boolean, settle = true): void {
    this.members = r.members;
    this.memberMetric = r.memberMetric;
    const l = r.kind.evaluate(r.state, this.view, now) as Level;
    r.level = r.inSeason && !r.inSeason(now) ? Level.none : l;
    this.siteIdle[r.idx] = r.inSeason === null && r.kind.idle !== undefined && r.kind.idle(r.state) ? 1 : 0;
    if (settle) this.settleSlot(r.slot, pos, now, retro);
  }

  /** pos -1 = an import: levels move, nothing is announced. */
  private settleSlot(sl: AlertSlot, pos: number, ts: number, retro: boolean): void {
    this.recomputeTop(sl);
    const effective = sl.covered ? Level.none : sl.level;
    if (pos >= 0 && effective !== sl.announced) {
      sl.announced = effective;
      this.emit(sl, effective, ts, pos, retro);
    } else if (pos < 0 && effective !== sl.announced) {
      // Not announced (an import): the clock must evaluate the site rules behind it again, idle or not, so that
      // the level is announced once it may be (tickRange, heardLive).
      for (const c of sl.siteContributors) this.siteIdle[c.idx] = 0;
    }
    this.markHot(sl);
  }

  /** Keeps the hot path's "device slot in play" flag in step with a sensor's device slot. */
  private markHot(sl: AlertSlot): void {
    if (sl.kind === 'device' && sl.sensorIdx >= 0) this.S.deviceHot[sl.sensorIdx] = sl.level !== Level.none || sl.announced !== Level.none ? 1 : 0;
  }

  /** S.own and S.deviceLevel of sensor i: the max level over its rules of each track, in one pass. */
  private trackLevels(i: number): void {
    const R = this.R, S = this.S;
    let own = 0, device = 0;
    for (let j = S.ruleFrom[i]!, end = S.ruleFrom[i + 1]!; j < end; j++) {
      const l = R.level[j]!;
      if (R.track[j] === 0) { if (l > own) own = l; } else if (l > device) device = l;
    }
    S.own[i] = own;
    S.deviceLevel[i] = device;
  }

  private recomputeTop(sl: AlertSlot): void {
    const R = this.R;
    let l = 0;
    let topRule = -1;
    let topSite: CSiteRule | null = null;
    if (sl.sensorIdx >= 0) {
      const track = sl.kind === 'device' ? 1 : 0;
      for (let j = this.S.ruleFrom[sl.sensorIdx]!; j < this.S.ruleFrom[sl.sensorIdx + 1]!; j++) {
        if (R.track[j] === track && R.level[j]! > l) { l = R.level[j]!; topRule = j; }
      }
    }
    for (const c of sl.siteContributors) if (c.level > l) { l = c.level; topSite = c; topRule = -1; }
    sl.level = l as Level;
    // At none the last top stays: it describes the recovery.
    if (l !== 0) { sl.topRule = topRule; sl.topSite = topSite; }
  }

  private emit(sl: AlertSlot, level: Level, ts: number, pos: number, retro: boolean): void {
    const R = this.R;
    const j = sl.topRule;
    const spec = j >= 0 ? R.spec[j]! : sl.topSite;
    const raisedNow = level !== Level.none;
    // A recovery says only the value (its text is fixed): a rule's text costs ≈ 0.5 µs of number formatting.
    const bank = j >= 0 ? this.banks[R.bank[j]!]! : null;
    const d = bank ? (raisedNow ? bank.describe(R.row[j]!) : null) : sl.topSite ? sl.topSite.kind.describe(sl.topSite.state) : null;
    const value = bank && !raisedNow ? bank.value(R.row[j]!) : d?.value ?? null;
    const evidence: Evidence | null = raisedNow && spec ? { samples: sl.sensorIdx >= 0 ? this.evidenceOf(sl.sensorIdx) : [], rule: spec.evidenceRule } : null;
    this.counters.signals++;
    this.o.onSignal({
      key: sl.key, kind: sl.kind, enterpriseId: sl.enterpriseId, siteId: sl.siteId, sensorId: sl.sensorId, metric: sl.metric,
      level, rule: spec ? spec.id : 'none', ruleVersion: spec ? spec.version : 0, thresholdSource: spec ? spec.thresholdSource : 'default', defaultValues: raisedNow && spec ? spec.defaultValues : false,
      nativeAlarm: raisedNow ? d?.nativeAlarm ?? null : null, value, threshold: raisedNow ? d?.threshold ?? null : null, unit: sl.unit,
      text: raisedNow ? d?.text ?? '' : '已恢复正常', ts, pos, retrospective: retro, parentKey: sl.parentKey, evidence,
    });
  }

  /** One site-level alert instead of a point alert per sensor when whole devices go offline (issue 4 "Noise"). */
  private groupOffline(site: CSite, now: number): void {
    const offlineDevices: string[] = [];
    const covered = new Set<number>();
    for (const [deviceId, idxs] of site.devices) {
      if (idxs.length < 2) continue;
      if (idxs.every((i) => isOffline(this.S.deviceState[i]!))) {
        offlineDevices.push(deviceId);
        for (const i of idxs) covered.add(i);
      }
    }
    for (const i of site.sensors) {
      const s = this.plan.sensors[i]!;
      s.device.covered = covered.has(i);
      // A sensor last heard through an import: its device level is history (a comm_lost it reported then), unless the
      // clock found it silent now (tickSensor).
      this.settleSlot(s.device, this.S.heard[i] === 1 && this.S.deviceState[i] !== SILENT ? -1 : 0, now, false);
    }
    const sl = site.offline;
    const level = offlineDevices.length > 0 ? (this.o.offlineLevel ?? Level.yellow) : Level.none;
    if (level !== sl.level || (level !== Level.none && sl.announced === Level.none)) {
      sl.level = level;
      sl.topRule = -1;
      sl.topSite = null;
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

  private pushEvidence(i: number, ts: number, value: number, quality: number): void {
    const S = this.S;
    const n = S.evN[i]!;
    // The count is a double (no wrap in practice); `n % 8` on a double is a call to fmod, on its low 32 bits
    // (same remainder: 8 divides 2^32) an integer op.
    const k = i * EVIDENCE_SAMPLES + ((n >>> 0) % EVIDENCE_SAMPLES);
    S.evTs[k] = ts;
    S.evVal[k] = value;
    S.evQ[k] = quality;
    S.evN[i] = n + 1;
  }

  private evidenceOf(i: number): Evidence['samples'] {
    const S = this.S;
    const out: Evidence['samples'] = [];
    const total = S.evN[i]!;
    const n = Math.min(total, EVIDENCE_SAMPLES);
    for (let k = total - n; k < total; k++) {
      // k is a double (S.evN): `k % 8` would be a call to fmod; on its low 32 bits (8 divides 2^32) an integer op.
      const at = i * EVIDENCE_SAMPLES + ((k >>> 0) % EVIDENCE_SAMPLES);
      out.push({ ts: S.evTs[at]!, value: Math.round(S.evVal[at]! * 1e4) / 1e4, quality: QUALITIES[S.evQ[at]!] ?? 'ok' });
    }
    return out;
  }
}

/** `banks[b].evaluate(row, sample)` from a call site of its own per bank: a plan's banks are of different
 * classes (one per kind), so one shared call site would be megamorphic, a full dispatch per rule that V8
 * cannot inline; a site per bank number stays monomorphic and inlines the kind's evaluate. */
function evaluateIn(banks: readonly RuleBank[], b: number, row: number, sample: Sample): Level {
  switch (b) {
    case 0: return banks[0]!.evaluate(row, sample);
    case 1: return banks[1]!.evaluate(row, sample);
    case 2: return banks[2]!.evaluate(row, sample);
    case 3: return banks[3]!.evaluate(row, sample);
    case 4: return banks[4]!.evaluate(row, sample);
    case 5: return banks[5]!.evaluate(row, sample);
    default: return banks[b]!.evaluate(row, sample);
  }
}

function metricValue(M: MetricColumns, mi: number, values: Record<string, number | boolean>): number {
  if (M.derived[mi] === 1) {
    const dx = values.dx, dy = values.dy;
    return typeof dx === 'number' && typeof dy === 'number' ? Math.hypot(dx, dy) : NaN;
  }
  const v = values[M.name[mi]!];
  return typeof v === 'number' ? v : v === true ? 1 : v === false ? 0 : NaN;
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
