// The alert manager: the shell around the lifecycle reducer. Level signals from the engine, actions from
// people (API) and the clock go through `reduce`; every resulting event is committed to the store with
// its audit entry and outbox row in one transaction, then the publisher is kicked. Live alerts (not
// archived) are kept in memory by id and by key; the store is the truth after a restart.
import { randomUUID } from 'node:crypto';
import type { Transition } from '../../core/alert.ts';
import { RwError } from '../../core/errors.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { LevelSignal } from '../engine/signal.ts';
import { reduce, type ReduceCtx } from './reducer.ts';
import type { MessageNames } from './message.ts';
import type { AlertAction, AlertService } from './service.ts';
import type { AlertFilter, AlertStore, AuditEntry } from './store.ts';
import type { Actor, AlertInput, LifecyclePolicy, StoredAlert } from './types.ts';

export interface AlertManagerOptions {
  store: AlertStore;
  clock: Clock;
  /** The lifecycle policy for an enterprise's sector (per-sector overrides of contract.md's table). */
  policyFor: (sector: string | null) => LifecyclePolicy;
  /** Enterprise facts the alert carries for scope checks and messages. */
  enterprise: (id: string) => { county: string; sector: string; name: string } | undefined;
  /** Names for the Chinese message (site, sensor, metric), from the registry. */
  names?: (signal: LevelSignal) => MessageNames;
  /** Called after every commit (the outbox publisher drains). */
  onCommitted?: (transitions: readonly Transition[]) => void;
  tickMs?: number;
  /** An alert was archived and no other alert holds its key (the engine forgets what it announced). */
  onArchived?: (key: string) => void;
  newId?: () => string;
  log?: { error(o: object, msg: string): void };
}

/** A tick over at most this many live alerts runs at once; beyond, in slices of about TICK_SLICE_MS. */
const TICK_SYNC_ALERTS = 200;
const TICK_SLICE_MS = 0.5;

export class AlertManager implements AlertService {
  private readonly live = new Map<string, StoredAlert>();
  private readonly byKey = new Map<string, string>();
  private timer: TimerHandle | null = null;
  private readonly newId: () => string;

  constructor(private readonly o: AlertManagerOptions) {
    this.newId = o.newId ?? (() => randomUUID());
  }

  start(): void {
    for (const a of this.o.store.loadLive()) this.index(a);
    this.timer = this.o.clock.setInterval(() => this.tickInSlices(), this.o.tickMs ?? 5000);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.ticking = null;
  }

  /** Live alerts (for the engine's restart check and the console's first paint). */
  liveAlerts(): StoredAlert[] {
    return [...this.live.values()];
  }

  byAlertKey(key: string): StoredAlert | undefined {
    const id = this.byKey.get(key);
    return id ? this.live.get(id) : undefined;
  }

  onSignal(signal: LevelSignal): void {
    const current = this.byAlertKey(signal.key) ?? null;
    if (!current && signal.level === 0) return;
    const enterprise = signal.enterpriseId ? this.o.enterprise(signal.enterpriseId) : undefined;
    const parent = signal.parentKey ? this.byAlertKey(signal.parentKey) : undefined;
    const describe = (sig: LevelSignal) => ({
      ...(this.o.names?.(sig) ?? {}), ...(enterprise ? { enterpriseName: enterprise.name, county: enterprise.county, sector: enterprise.sector } : {}),
      ...(parent ? { parentId: parent.id } : {}),
    });
    this.apply(current, { type: 'signal', signal }, enterprise?.sector ?? null, signal.evidence, describe);
  }

  list(filter: AlertFilter): { alerts: StoredAlert[]; nextCursor: string | null } {
    return this.o.store.list(filter);
  }

  get(id: string): StoredAlert | undefined {
    return this.live.get(id) ?? this.o.store.get(id);
  }

  detail(id: string) {
    const alert = this.get(id);
    if (!alert) return undefined;
    return { alert, events: this.o.store.events(id), audit: this.o.store.audit(id), evidence: this.o.store.evidence(id) };
  }

  act(id: string, action: AlertAction, actor: Actor, expectedVersion?: number): StoredAlert {
    const alert = this.get(id);
    if (!alert) throw new RwError('RW_ERR_NOT_FOUND', `no alert ${id}`);
    if (expectedVersion !== undefined && expectedVersion !== alert.version) {
      throw new RwError('RW_ERR_VERSION_CONFLICT', `alert ${id} is at version ${alert.version}, not ${expectedVersion} / 报警已更新（当前版本 ${alert.version}）`, { version: alert.version });
    }
    const input = { ...action, actor } as AlertInput;
    const out = this.apply(alert, input, alert.sector);
    if (out && out.handling === 'archived') this.o.onArchived?.(out.key);
    return out ?? alert;
  }

  /** Deadlines, tiers, auto-archive, end of suppression (runs on the injected clock). */
  tick(): void {
    for (const a of [...this.live.values()]) this.tickOne(a);
  }

  /** The clock's tick: at once for a few live alerts, else in slices of about TICK_SLICE_MS with a turn of
   * the event loop between them, so that signals keep flowing while many alerts are ticked (p99 latency). An
   * alert that changed or was archived in between is ticked as it is then, or not at all. */
  private ticking: string[] | null = null;
  private tickInSlices(): void {
    if (this.ticking) return;
    if (this.live.size <= TICK_SYNC_ALERTS) { this.tick(); return; }
    const ids = [...this.live.keys()];
    this.ticking = ids;
    let at = 0;
    const step = () => {
      if (this.ticking !== ids) return;
      const until = performance.now() + TICK_SLICE_MS;
      try {
        do {
          const a = this.live.get(ids[at++]!);
          if (a) this.tickOne(a);
        } while (at < ids.length && (at % 16 !== 0 || performance.now() < until));
      } catch (err) {
        this.ticking = null;
        throw err;
      }
      if (at < ids.length) setImmediate(step); else this.ticking = null;
    };
    step();
  }

  private tickOne(a: StoredAlert): void {
    const out = this.apply(a, { type: 'tick' }, a.sector);
    // The condition may still be active under the archived alert (cleared while active, suppression over):
    // the engine announces it again, which raises a new alert.
    if (out && out.handling === 'archived' && !this.byKey.has(out.key)) this.o.onArchived?.(out.key);
  }

  private apply(current: StoredAlert | null, input: AlertInput, sector: string | null, evidence?: LevelSignal['evidence'], describe?: ReduceCtx['describe']): StoredAlert | undefined {
    const r = reduce(current, input, { now: this.o.clock.now(), policy: this.o.policyFor(sector), newId: this.newId, ...(describe ? { describe } : {}) });
    if (!r.ok) throw new RwError(r.code, r.message);
    if (!r.alert || r.transitions.length === 0) return r.alert ?? undefined;
    const a = r.alert;
    const fresh = !current || a.id !== current.id;
    const transitions = r.transitions.map(contractFields);
    const audits: AuditEntry[] = transitions.map((t) => ({
      alertId: t.id, version: t.version, event: t.event, at: t.at,
      actor: 'actor' in input ? input.actor : null,
      note: 'note' in input ? input.note ?? null : null,
      data: auditData(input, t),
    }));
    try {
      this.o.store.commit(a, transitions, audits, fresh ? evidence ?? null : null);
    } catch (err) {
      this.o.log?.error({ err, alert: a.id }, 'alert commit failed');
      throw new RwError('RW_ERR_INTERNAL', 'alert store commit failed');
    }
    this.index(a);
    this.o.onCommitted?.(transitions);
    return a;
  }

  private index(a: StoredAlert): void {
    if (a.handling === 'archived') {
      this.live.delete(a.id);
      if (this.byKey.get(a.key) === a.id) this.byKey.delete(a.key);
      return;
    }
    this.live.set(a.id, a);
    const holder = this.byKey.get(a.key);
    const h = holder ? this.live.get(holder) : undefined;
    // The key points at the newest alert of the condition (a cleared one stays live until archived).
    if (!h || h.id === a.id || Date.parse(a.raisedAt) >= Date.parse(h.raisedAt)) this.byKey.set(a.key, a.id);
  }
}

const TRANSITION_FIELDS = [
  'eventId', 'id', 'version', 'kind', 'event', 'level', 'levelNo', 'previousLevel', 'nativeAlarm', 'condition', 'handling', 'retrospective',
  'enterpriseId', 'siteId', 'sensorId', 'metric', 'parentId', 'rule', 'ruleVersion', 'thresholdSource', 'value', 'threshold', 'unit',
  'ackByEnterprise', 'ackByCentre', 'deadline', 'tier', 'message', 'at', 'raisedAt',
] as const satisfies readonly (keyof Transition)[];

/** Exactly the contract's event fields (contract.md "Alerts"), whatever bookkeeping the alert carries. */
export function contractFields(t: Transition): Transition {
  const out: Record<string, unknown> = {};
  for (const k of TRANSITION_FIELDS) out[k] = (t as unknown as Record<string, unknown>)[k] ?? null;
  return out as unknown as Transition;
}

function auditData(input: AlertInput, t: Transition): Record<string, unknown> {
  const d: Record<string, unknown> = { level: t.level, previousLevel: t.previousLevel, condition: t.condition, handling: t.handling };
  if (input.type === 'assess') d.verdict = input.verdict;
  if (input.type === 'clear') d.reason = input.reason;
  if (input.type === 'signal') { d.rule = input.signal.rule; d.value = input.signal.value; d.threshold = input.signal.threshold; d.pos = input.signal.pos; }
  return d;
}
