// Scenario events: what happens to the plant, with every target resolved to sensor keys
// (`{enterpriseId}/{sensorId}`, core/ids.ts sensorKey) by the scenario, so models never search the
// registry. Times are epoch ms; `until` absent means "to the end of the run".

/** `{enterpriseId}/{sensorId}`. */
export type SensorKey = string;
/** `{enterpriseId}/{siteId}`. */
export type SiteKey = string;

/** domain.md §2.1 leak: C(t)=Cp·(1−e^(−t/τ)) at the source; neighbours see attenuated, delayed copies. */
export interface LeakEvent {
  kind: 'leak';
  at: number;
  source: SensorKey;
  plateau: number;
  tauS: number;
  /** Isolation (shut-off valve, ventilation): exponential decay from then on with `isolTauS`. */
  isolateAt?: number;
  isolTauS?: number;
  neighbours: { sensor: SensorKey; attenuation: number; delayS: number }[];
}

/** domain.md §2.2 ventilation loss: the local fan stops; heading CH₄ rises linearly, air velocity drops. */
export interface FanStopEvent {
  kind: 'fan_stop';
  at: number;
  until?: number;
  fan: SensorKey;
  /** CH₄ sensors downstream of the fan and their rise in %vol per minute (0.05–0.3). */
  methane: { sensor: SensorKey; ratePerMin: number }[];
  wind: SensorKey[];
}

/** The methane monitor's cut-off: the feed (馈电) sensor loses power from `at` unless the cut fails. */
export interface FeedCutEvent {
  kind: 'feed_cut';
  at: number;
  until?: number;
  feed: SensorKey;
  fails: boolean;
}

/** domain.md §2.2 outburst: CH₄ > 4 % within seconds along the airflow path; air velocity reverses. */
export interface OutburstEvent {
  kind: 'outburst';
  at: number;
  path: { sensor: SensorKey; delayS: number; peak: number }[];
  wind: SensorKey[];
  co: SensorKey[];
}

/** domain.md §2.3 bag rupture: ΔP steps down by `drop` (0.3–0.6) and stays down. */
export interface BagBurstEvent { kind: 'bag_burst'; at: number; sensor: SensorKey; drop: number }
/** domain.md §2.3 fan trip: ΔP → 0 in < 10 s; the valve stops. */
export interface FanTripEvent { kind: 'fan_trip'; at: number; until?: number; sensors: SensorKey[] }
/** domain.md §2.3 clogging: ΔP baseline creeps up by `ratePerDay` (0.05–0.2) of itself per day. */
export interface CloggingEvent { kind: 'clogging'; at: number; until?: number; sensor: SensorKey; ratePerDay: number }
/** domain.md §2.3 smouldering: sparks first, then hopper temperature +0.5–3 °C/min. */
export interface SmoulderEvent {
  kind: 'smoulder';
  at: number;
  until?: number;
  ratePerMin: number;
  temps: SensorKey[];
  sparks: SensorKey[];
  sparkLeadS: number;
  sparksPerMin: number;
}
export interface ValveFaultEvent { kind: 'valve_fault'; at: number; until?: number; sensor: SensorKey }

/** domain.md §2.4.1: the meter's load is forced to `fraction` of rated (shutdown order, steps back up, night work). */
export interface LoadEvent { kind: 'load'; at: number; until?: number; sensor: SensorKey; fraction: number }

/** A forced rain event at a site (domain.md §2.5 rainfall), on top of the seeded weather. */
export interface StormEvent { kind: 'storm'; at: number; durationMs: number; totalMm: number; site: SiteKey }

/** domain.md §2.5 "drainage blocked" (排渗设施失效): the phreatic surface's equilibrium rises by `riseM`,
 * reached through the same days-long lag as the rain and pond-level response. */
export interface DrainBlockedEvent { kind: 'drain_blocked'; at: number; site: SiteKey; riseM: number }

/** domain.md §2.5 failure precursor: v(t) = A/(t_f − t), so 1/v falls linearly to 0 at t_f. */
export interface CreepFailureEvent {
  kind: 'creep_failure';
  /** Onset of the acceleration. */
  at: number;
  failureMs: number;
  /** A in mm (velocity in mm/d = A / days to failure), per GNSS sensor. */
  sensors: { sensor: SensorKey; amplitudeMm: number }[];
}

/** A device restarts: no readings for `downS`, then seq restarts under a new boot id. */
export interface RebootEvent { kind: 'reboot'; at: number; enterpriseId: string; deviceId: string; downS: number }

/** Instrument faults (domain.md §2.1 Faults), applicable to any sensor (faults.ts). */
export type FaultSpec =
  | { fault: 'stuck' }
  | { fault: 'drift'; perHour: number }
  | { fault: 'dropout' }
  | { fault: 'spikes'; probability: number; magnitude: number }
  | { fault: 'calibration'; value?: number }
  | { fault: 'clock_drift'; msPerMin: number; offsetMs?: number }
  | { fault: 'span'; factor: number }
  | { fault: 'comm_lost' };

export type FaultEvent = { kind: 'fault'; at: number; until?: number; sensor: SensorKey } & FaultSpec;

export type SimEvent =
  | LeakEvent
  | FanStopEvent
  | FeedCutEvent
  | OutburstEvent
  | BagBurstEvent
  | FanTripEvent
  | CloggingEvent
  | SmoulderEvent
  | ValveFaultEvent
  | LoadEvent
  | StormEvent
  | DrainBlockedEvent
  | CreepFailureEvent
  | RebootEvent
  | FaultEvent;

export type EventOf<K extends SimEvent['kind']> = Extract<SimEvent, { kind: K }>;

export function eventsOfKind<K extends SimEvent['kind']>(events: readonly SimEvent[], kind: K): EventOf<K>[] {
  return events.filter((e): e is EventOf<K> => e.kind === kind);
}

/** Whether an event with [at, until) is in force at t. */
export function active(e: { at: number; until?: number | undefined }, t: number): boolean {
  return t >= e.at && (e.until === undefined || t < e.until);
}
