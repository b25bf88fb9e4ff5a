// The alert lifecycle reducer (architecture.md rule 5): a pure function of (alert, input, now) that returns
// the alert after the input and one Transition per event, in order. No clock reads, no I/O: time is ctx.now,
// ids come from ctx.newId. contract.md "Alerts" is the specification (events, actions by handling state,
// clear reasons, time-based events); domain.md §3.2–3.3 its regulatory background.
//
// Decisions where the contract is silent (each cites the clause it rests on):
// - Clocks (ack deadline, escalation tiers) start when the platform raises the alert (ctx.now), not at the
//   sample time: a retrospective alert (raisedAt in the past) could not have been acknowledged before the
//   platform saw it (domain.md §3.3 deadlines are for people answering a notification).
// - Deadlines: raise → 'ack' at now + enterpriseAckMs; first ack (either party) → 'feedback' at now +
//   feedbackMs; a feedback action → the next 'feedback' deadline for red only ("30 min, then every 30 min",
//   domain.md §3.3), none for the other levels; clear → none. `overdue` is sent once per armed deadline.
// - Escalation tiers run while handling is `open` (nobody acked) and stop at the first ack of either party
//   (domain.md §3.2 "Escalate by time: not acknowledged … → notify the next tier").
// - Level up never postpones a running clock: while open, the ack deadline becomes min(current, now + the new
//   level's ack time) and the next tier min(current, now + the new level's delay to that tier). After an ack,
//   a level up to orange or red (above the alert's last level) asks the enterprise to sign again (ackByEnterprise
//   back to null, an 'ack' deadline at now + the new level's ack time; handling keeps its state; the enterprise's
//   ack moves the clock back to 'feedback'; escalation tiers do not restart, they run only while open): orange and red
//   are pushed to the county at once (domain.md §3.2 "Push", R36), so the enterprise must confirm it saw the
//   higher level. Level down and recovery leave the clocks as they are (people were told the higher level).
// - Self-archiving (contract.md "(automatic) | blue, condition recovered, nobody acted | archived"): only a
//   level whose policy archives itself, recovered, and untouched; an alert that stepped down to blue from a
//   level that does not archive itself counts as touched (it must be cleared by a person). A touched blue alert is closed by a person
//   with a clear and a reason like the others (domain.md §3.3 blue: "auto-archive after recovery + reason":
//   once someone acted, the loop they opened is closed with a reason). Red/orange/yellow never archive
//   themselves; recovered, they stay open (and keep escalating) until cleared.
// - `retrospective` on the alert is that of the signal behind its current level/condition (so a level_up
//   decided from a backlog says so); actions and ticks keep it.
// - Flapping: re-activations (recovered → active without a clear) are counted in a window of flapWindowMs
//   starting at the first one (condition time, signal.ts); `flapping` is recomputed at each re-activation.
// - Signals on a cleared alert inside suppression are dropped (消警时长, domain.md §3.2); after suppression a
//   level above none raises a NEW alert and the returned alert is that one (a different id): the caller keeps
//   the cleared alert and archives it with a tick (it is archived once now ≥ suppressUntilMs).
// - Payload validation (empty note, unknown verdict/reason) is checked before the handling state, as an API
//   validates a body before it looks at the resource.
import {
  CLEAR_REASONS,
  CLEAR_REASONS_WHILE_ACTIVE,
  VERDICTS,
  type AlertEventName,
  type ClearReason,
  type HandlingState,
  type Transition,
} from '../../core/alert.ts';
import { Level, levelFromName, levelName, levelNo, type LevelName } from '../../core/level.ts';
import type { LevelSignal } from '../engine/signal.ts';
import { alertMessage, type Lang, type MessageNames } from './message.ts';
import type { Actor, AlertInput, EventDraft, LevelPolicy, LifecyclePolicy, Party, StoredAlert } from './types.ts';

/** What the registry knows about a signal's place, for the message, scope and roll-up link (all optional). */
export interface AlertContext extends MessageNames {
  county?: string | null;
  sector?: string | null;
  /** The id of the live alert of the signal's parentKey (roll-up), when there is one. */
  parentId?: string | null;
}

export interface ReduceCtx {
  now: number;
  /** The policy of the alert's sector (policy.ts policyFor). */
  policy: LifecyclePolicy;
  newId: () => string;
  describe?: (signal: LevelSignal) => AlertContext;
  lang?: Lang;
}

export type ReduceResult =
  | {
      ok: true;
      alert: StoredAlert | null;
      transitions: Transition[];
      /** Index-aligned with `transitions`: who, why, verdict, reason, for the audit trail. */
      drafts: EventDraft[];
    }
  | { ok: false; code: 'RW_ERR_ILLEGAL_TRANSITION' | 'RW_ERR_VALIDATION'; message: string };

export type ActionType = 'ack' | 'assess' | 'handle' | 'feedback' | 'clear';

const LIVE_AFTER_ACK: readonly HandlingState[] = ['acknowledged', 'assessed', 'handling', 'feedback'];
/** contract.md "Actions by handling state". */
const ALLOWED_IN: Record<Exclude<ActionType, 'ack'>, readonly HandlingState[]> = {
  assess: ['acknowledged', 'assessed'],
  handle: ['assessed', 'handling'],
  feedback: ['handling', 'feedback'],
  clear: ['assessed', 'handling', 'feedback'],
};
/** domain.md §3.3 red: feedback "30 min, then every 30 min". */
const REPEATING_FEEDBACK: ReadonlySet<LevelName> = new Set(['red']);

const STATE_ZH: Record<HandlingState, string> = {
  open: '待签收', acknowledged: '已签收', assessed: '已研判', handling: '处置中', feedback: '已反馈', cleared: '已消警', archived: '已归档',
};
const ACTION_ZH: Record<ActionType, string> = { ack: '签收', assess: '研判', handle: '处置', feedback: '反馈', clear: '消警' };

const iso = (ms: number): string => new Date(ms).toISOString();
const ackField = (p: Party): 'ackByEnterprise' | 'ackByCentre' => (p === 'enterprise' ? 'ackByEnterprise' : 'ackByCentre');

/** The actions contract.md allows on `alert` now (for `party` when given: ack depends on who already acked). */
export function allowedActions(alert: StoredAlert, party?: Party): ActionType[] {
  const h = alert.handling;
  const out: ActionType[] = [];
  if (h === 'open') out.push('ack');
  else if (LIVE_AFTER_ACK.includes(h)) {
    const someoneMissing = party ? alert[ackField(party)] === null : alert.ackByEnterprise === null || alert.ackByCentre === null;
    if (someoneMissing) out.push('ack');
  }
  for (const a of ['assess', 'handle', 'feedback', 'clear'] as const) if (ALLOWED_IN[a].includes(h)) out.push(a);
  return out;
}

export function reduce(alert: StoredAlert | null, input: AlertInput, ctx: ReduceCtx): ReduceResult {
  switch (input.type) {
    case 'signal':
      return onSignal(alert, input.signal, ctx);
    case 'tick':
      return onTick(alert, ctx);
    default:
      return onAction(alert, input, ctx);
  }
}

// ---------------------------------------------------------------------------------------------- events

/** Accumulates events on a working copy: each event bumps the version and snapshots the alert. */
class Events {
  readonly transitions: Transition[] = [];
  readonly drafts: EventDraft[] = [];
  constructor(private readonly ctx: ReduceCtx) {}

  emit(a: StoredAlert, event: AlertEventName, previousLevel: LevelName | null, extra: Partial<EventDraft> = {}): void {
    a.version += 1;
    this.transitions.push(toTransition(a, event, previousLevel, this.ctx.newId(), iso(this.ctx.now)));
    this.drafts.push({ event, previousLevel, actor: extra.actor ?? null, note: extra.note ?? null, ...pick(extra) });
  }

  result(alert: StoredAlert | null): ReduceResult {
    return { ok: true, alert, transitions: this.transitions, drafts: this.drafts };
  }
}

function pick(e: Partial<EventDraft>): Pick<EventDraft, 'verdict' | 'reason'> {
  const out: Pick<EventDraft, 'verdict' | 'reason'> = {};
  if (e.verdict) out.verdict = e.verdict;
  if (e.reason) out.reason = e.reason;
  return out;
}

/** The contract's event: every Alert field as it stands after the event (bookkeeping fields left out). */
function toTransition(a: StoredAlert, event: AlertEventName, previousLevel: LevelName | null, eventId: string, at: string): Transition {
  return {
    eventId, event, at, previousLevel,
    id: a.id, version: a.version, kind: a.kind,
    level: a.level, levelNo: levelNo(levelFromName(a.level)) as 1 | 2 | 3 | 4,
    nativeAlarm: a.nativeAlarm, condition: a.condition, handling: a.handling, retrospective: a.retrospective,
    enterpriseId: a.enterpriseId, siteId: a.siteId, sensorId: a.sensorId, metric: a.metric, parentId: a.parentId,
    rule: a.rule, ruleVersion: a.ruleVersion, thresholdSource: a.thresholdSource,
    value: a.value, threshold: a.threshold, unit: a.unit,
    ackByEnterprise: a.ackByEnterprise, ackByCentre: a.ackByCentre, deadline: a.deadline,
    tier: a.tier, message: a.message, raisedAt: a.raisedAt,
  };
}

function setDeadline(a: StoredAlert, kind: 'ack' | 'feedback' | null, ms: number | null): void {
  a.deadlineKind = kind;
  a.deadlineMs = kind === null ? null : ms;
  a.deadline = a.deadlineMs === null ? null : iso(a.deadlineMs);
  a.overdueSent = false;
}

const policyOf = (a: StoredAlert, p: LifecyclePolicy): LevelPolicy => p.levels[a.level];
const isLive = (a: StoredAlert): boolean => a.handling !== 'cleared' && a.handling !== 'archived';

// ---------------------------------------------------------------------------------------------- signals

function onSignal(alert: StoredAlert | null, s: LevelSignal, ctx: ReduceCtx): ReduceResult {
  const ev = new Events(ctx);
  if (alert) {
    if (s.key !== alert.key) return { ok: false, code: 'RW_ERR_VALIDATION', message: `signal key ${s.key} is not alert ${alert.id}'s key ${alert.key}` };
    // Replays after a crash (contract.md "Delivery": nothing duplicated): the alert has seen this position.
    if (s.pos !== 0 && s.pos <= alert.lastPos) return ev.result(alert);
  }
  const name = levelName(s.level);

  if (!alert || alert.handling === 'archived' || alert.handling === 'cleared') {
    if (name === null) return ev.result(alert);
    // 消警时长 (domain.md §3.2): the same key raises nothing until the suppression period is over.
    if (alert && alert.handling === 'cleared' && alert.suppressUntilMs !== null && ctx.now < alert.suppressUntilMs) return ev.result(alert);
    const fresh = raise(s, name, ctx);
    ev.emit(fresh, 'raised', null);
    return ev.result(fresh);
  }

  const a: StoredAlert = { ...alert };
  const describe = ctx.describe?.(s);
  if (describe?.parentId !== undefined) a.parentId = describe.parentId;
  a.lastPos = Math.max(a.lastPos, s.pos);
  const current = levelFromName(a.level);

  if (name === null) {
    if (a.condition === 'recovered') return ev.result(alert);
    a.condition = 'recovered';
    a.recoveredAtMs = s.ts;
    a.retrospective = s.retrospective;
    if (s.value !== null) a.value = s.value;
    a.message = compose(a, s, describe, ctx);
    ev.emit(a, 'recovered', a.level);
    return ev.result(a);
  }

  if (a.condition === 'recovered') {
    // Re-activation: the condition rose again from none. The same alert (no new raise): event level_up with
    // previousLevel null, counted as a flap.
    const before = current;
    if (s.ts - a.flapWindowStartMs > ctx.policy.flapWindowMs || a.flaps === 0) {
      a.flapWindowStartMs = s.ts;
      a.flaps = 0;
    }
    a.flaps += 1;
    a.flapping = a.flaps >= ctx.policy.flapThreshold;
    a.condition = 'active';
    a.recoveredAtMs = null;
    applySignal(a, s, name);
    rearmOnLevelUp(a, before, ctx);
    a.message = compose(a, s, describe, ctx);
    ev.emit(a, 'level_up', null);
    return ev.result(a);
  }

  if (s.level === current) return ev.result(alert); // same level (another rule or value): no event
  const previous = a.level;
  applySignal(a, s, name);
  // An alert that was at a level needing a person's clear keeps needing it after stepping down to a
  // self-archiving level (red → blue → recovered must not vanish unseen; domain.md §3.2 AUTO_RECOVERED "still
  // requires 消警 reason when level ≥ yellow"). StoredAlert has no peak-level field, so `touched` carries it.
  if (!ctx.policy.levels[previous].archivesItselfAfterRecovery && ctx.policy.levels[name].archivesItselfAfterRecovery) a.touched = true;
  if (s.level > current) rearmOnLevelUp(a, current, ctx);
  a.message = compose(a, s, describe, ctx);
  ev.emit(a, s.level > current ? 'level_up' : 'level_down', previous);
  return ev.result(a);
}

function raise(s: LevelSignal, name: LevelName, ctx: ReduceCtx): StoredAlert {
  const d = ctx.describe?.(s);
  const lp = ctx.policy.levels[name];
  const a: StoredAlert = {
    id: ctx.newId(),
    version: 0,
    kind: s.kind,
    level: name,
    nativeAlarm: s.nativeAlarm,
    condition: 'active',
    handling: 'open',
    retrospective: s.retrospective,
    enterpriseId: s.enterpriseId,
    siteId: s.siteId,
    sensorId: s.sensorId,
    metric: s.metric,
    parentId: d?.parentId ?? null,
    rule: s.rule,
    ruleVersion: s.ruleVersion,
    thresholdSource: s.thresholdSource,
    value: s.value,
    threshold: s.threshold,
    unit: s.unit,
    ackByEnterprise: null,
    ackByCentre: null,
    deadline: null,
    tier: 0,
    message: '',
    // The condition's time: a retrospective alert is raised at its sample's time.
    raisedAt: iso(s.ts),
    key: s.key,
    deadlineMs: null,
    deadlineKind: null,
    overdueSent: false,
    nextTierAtMs: lp.escalateAfterMs.length > 0 ? ctx.now + lp.escalateAfterMs[0]! : null,
    verdict: null,
    clearReason: null,
    clearedAtMs: null,
    suppressUntilMs: null,
    recoveredAtMs: null,
    flaps: 0,
    flapWindowStartMs: s.ts,
    flapping: false,
    lastPos: s.pos,
    touched: false,
    county: d?.county ?? null,
    sector: d?.sector ?? null,
    archivedAtMs: null,
  };
  setDeadline(a, 'ack', ctx.now + lp.enterpriseAckMs);
  a.message = compose(a, s, d, ctx);
  return a;
}

function applySignal(a: StoredAlert, s: LevelSignal, name: LevelName): void {
  a.level = name;
  a.rule = s.rule;
  a.ruleVersion = s.ruleVersion;
  a.thresholdSource = s.thresholdSource;
  a.nativeAlarm = s.nativeAlarm;
  a.value = s.value;
  a.threshold = s.threshold;
  a.unit = s.unit;
  a.retrospective = s.retrospective;
}

/** See the header: a level up never postpones a clock; above the acknowledged level at orange/red, re-sign. */
function rearmOnLevelUp(a: StoredAlert, before: Level, ctx: ReduceCtx): void {
  const lp = policyOf(a, ctx.policy);
  const now = ctx.now;
  if (a.handling === 'open') {
    const ackAt = now + lp.enterpriseAckMs;
    if (a.deadlineKind !== 'ack' || a.deadlineMs === null || ackAt < a.deadlineMs) setDeadline(a, 'ack', ackAt);
    const delay = tierDelay(lp, a.tier);
    if (delay !== null && (a.nextTierAtMs === null || now + delay < a.nextTierAtMs)) a.nextTierAtMs = now + delay;
    return;
  }
  const level = levelFromName(a.level);
  if (level > before && level >= Level.orange) {
    a.ackByEnterprise = null;
    setDeadline(a, 'ack', now + lp.enterpriseAckMs);
  }
}

/** Time from reaching `tier` to the next one (tier 0 = the raise), or null when there is no next tier. */
function tierDelay(lp: LevelPolicy, tier: number): number | null {
  const next = lp.escalateAfterMs[tier];
  if (next === undefined) return null;
  return next - (tier > 0 ? (lp.escalateAfterMs[tier - 1] ?? 0) : 0);
}

function compose(a: StoredAlert, s: LevelSignal, d: AlertContext | undefined, ctx: ReduceCtx): string {
  return alertMessage(
    {
      kind: a.kind,
      level: levelFromName(a.level),
      ...(d?.enterpriseName ? { enterpriseName: d.enterpriseName } : {}),
      ...(d?.siteName ? { siteName: d.siteName } : {}),
      ...(d?.sensorName ? { sensorName: d.sensorName } : {}),
      ...(d?.metricZh ? { metricZh: d.metricZh } : {}),
      value: a.value,
      unit: a.unit,
      threshold: a.threshold,
      text: s.text,
      nativeAlarm: a.nativeAlarm,
      defaultValues: s.defaultValues === true,
      retrospective: s.retrospective,
      flapping: a.flapping,
      condition: a.condition,
      device: deviceIssue(s.rule),
    },
    ctx.lang ?? 'zh',
  );
}

/** Device alerts from the no-data / communication rules read 设备离线; every other device rule 设备故障. */
function deviceIssue(rule: string): 'fault' | 'offline' {
  return /no[_-]?data|silent|comm_lost|offline/.test(rule) ? 'offline' : 'fault';
}

// ---------------------------------------------------------------------------------------------- actions

type ActionInput = Exclude<AlertInput, { type: 'signal' } | { type: 'tick' }>;

function onAction(alert: StoredAlert | null, input: ActionInput, ctx: ReduceCtx): ReduceResult {
  const invalid = validate(input);
  if (invalid) return { ok: false, code: 'RW_ERR_VALIDATION', message: invalid };
  if (!alert) return { ok: false, code: 'RW_ERR_ILLEGAL_TRANSITION', message: '告警不存在 / no such alert' };

  const party = input.actor.party;
  const allowed = allowedActions(alert, party);
  if (!allowed.includes(input.type)) return illegal(alert, input.type, allowed, party);
  if (input.type === 'clear' && alert.condition === 'active' && !CLEAR_REASONS_WHILE_ACTIVE.includes(input.reason)) {
    const ok = CLEAR_REASONS_WHILE_ACTIVE.join('、');
    return {
      ok: false,
      code: 'RW_ERR_ILLEGAL_TRANSITION',
      message:
        `报警仍在持续(condition active)，消警原因只能是 ${ok}，不能是 ${input.reason} / ` +
        `the condition is still active: only ${CLEAR_REASONS_WHILE_ACTIVE.join(', ')} may clear it, not ${input.reason}`,
    };
  }

  const a: StoredAlert = { ...alert, touched: true };
  const lp = policyOf(a, ctx.policy);
  const ev = new Events(ctx);
  const now = ctx.now;
  const who = { actor: input.actor, note: input.note?.trim() || null };

  switch (input.type) {
    case 'ack': {
      const first = a.handling === 'open';
      a[ackField(party)] = input.actor.name || input.actor.username;
      if (first) {
        a.handling = 'acknowledged';
        a.nextTierAtMs = null; // escalation stops at the first ack (domain.md §3.2 "Escalate by time")
        setDeadline(a, 'feedback', now + lp.feedbackMs);
      } else if (a.deadlineKind === 'ack' && party === 'enterprise') {
        // The enterprise re-signed after a level up (header): back to the feedback clock.
        setDeadline(a, 'feedback', now + lp.feedbackMs);
      }
      ev.emit(a, 'acknowledged', null, who);
      break;
    }
    case 'assess':
      a.handling = 'assessed';
      a.verdict = input.verdict; // a later assessment replaces it; both stay in the audit (the drafts)
      ev.emit(a, 'assessed', null, { ...who, verdict: input.verdict });
      break;
    case 'handle':
      a.handling = 'handling';
      ev.emit(a, 'handling', null, who);
      break;
    case 'feedback':
      a.handling = 'feedback';
      if (REPEATING_FEEDBACK.has(a.level)) setDeadline(a, 'feedback', now + lp.feedbackMs);
      else if (a.deadlineKind === 'feedback') setDeadline(a, null, null);
      ev.emit(a, 'feedback', null, who);
      break;
    case 'clear':
      a.handling = 'cleared';
      a.clearReason = input.reason;
      a.clearedAtMs = now;
      a.suppressUntilMs = now + lp.suppressMs;
      a.nextTierAtMs = null;
      setDeadline(a, null, null);
      ev.emit(a, 'cleared', null, { ...who, reason: input.reason });
      break;
  }
  return ev.result(a);
}

function validate(input: ActionInput): string | null {
  switch (input.type) {
    case 'assess':
      return VERDICTS.includes(input.verdict) ? null : `未知研判结论 ${String(input.verdict)} / unknown verdict; one of ${VERDICTS.join(', ')}`;
    case 'handle':
    case 'feedback':
      return typeof input.note === 'string' && input.note.trim().length > 0 ? null : `${ACTION_ZH[input.type]}需要填写说明 / ${input.type} needs a non-empty note`;
    case 'clear':
      if (!CLEAR_REASONS.includes(input.reason as ClearReason)) return `未知消警原因 ${String(input.reason)} / unknown clear reason; one of ${CLEAR_REASONS.join(', ')}`;
      if (input.reason === 'other' && !(input.note && input.note.trim().length > 0)) return '消警原因为"其他"时必须填写说明 / clear reason other needs a note';
      return null;
    default:
      return null;
  }
}

function illegal(a: StoredAlert, action: ActionType, allowed: readonly ActionType[], party: Party): ReduceResult {
  const zhAllowed = allowed.length > 0 ? allowed.map((x) => `${ACTION_ZH[x]}(${x})`).join('、') : '无';
  const enAllowed = allowed.length > 0 ? allowed.join(', ') : 'none';
  const already = action === 'ack' && a[ackField(party)] !== null;
  const why = already ? `（${party === 'enterprise' ? '企业' : '监测中心'}已签收 / ${party} already acknowledged）` : '';
  return {
    ok: false,
    code: 'RW_ERR_ILLEGAL_TRANSITION',
    message:
      `当前处置状态为"${STATE_ZH[a.handling]}"(${a.handling})，不能${ACTION_ZH[action]}(${action})${why}；可执行：${zhAllowed} / ` +
      `handling is ${a.handling}: ${action} is not allowed${already ? ` (${party} already acknowledged)` : ''}; allowed: ${enAllowed}`,
  };
}

// ---------------------------------------------------------------------------------------------- the clock

function onTick(alert: StoredAlert | null, ctx: ReduceCtx): ReduceResult {
  const ev = new Events(ctx);
  if (!alert || alert.handling === 'archived') return ev.result(alert);
  const now = ctx.now;
  const a: StoredAlert = { ...alert };
  const lp = policyOf(a, ctx.policy);

  // (1) deadlines: one overdue per armed deadline (contract.md "Time-based events").
  if (a.deadlineMs !== null && !a.overdueSent && now >= a.deadlineMs) {
    a.overdueSent = true;
    ev.emit(a, 'overdue', null);
  }
  // (2) tiers while nobody acked, one event per tier passed (several after a clock jump).
  while (a.handling === 'open' && a.nextTierAtMs !== null && now >= a.nextTierAtMs) {
    const at = a.nextTierAtMs;
    a.tier += 1;
    const delay = tierDelay(lp, a.tier);
    a.nextTierAtMs = delay === null ? null : at + delay;
    ev.emit(a, 'tier_escalated', null);
  }
  // (3) archive: a self-archiving level, recovered, untouched; or a cleared alert after suppression.
  const selfArchive = isLive(a) && lp.archivesItselfAfterRecovery && a.condition === 'recovered' && !a.touched;
  const clearedDone = a.handling === 'cleared' && (a.suppressUntilMs === null || now >= a.suppressUntilMs);
  if (selfArchive || clearedDone) {
    a.handling = 'archived';
    a.archivedAtMs = now;
    a.nextTierAtMs = null;
    setDeadline(a, null, null);
    ev.emit(a, 'archived', null);
  }
  return ev.transitions.length > 0 ? ev.result(a) : ev.result(alert);
}
