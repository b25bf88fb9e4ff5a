// sensor-faults (domain.md §2.1 "Faults", §2 quality rule): instrument faults on distinct sensors, so
// the platform's device track (not the process track) has to catch each: a calibration with test gas
// (+1 min, 2 min, quality `calibrating`), a stuck value (+2 min), a negative drift of 0.5 %LEL/min
// (+2 min), catalytic poisoning (span × 0.5), a dropout (+2…+12 min), spikes (+1…+20 min), a gateway
// reporting comm_lost (+6…+10 min), a device reboot (+5 min, down 60 s, seq restarts under a new boot)
// and a device clock running ahead 2 s per minute (+1 min). Faults needing a type the registry lacks are
// left out; the facts list what was scheduled.
import { MINUTE_MS } from '../time.ts';
import type { FaultSpec, SimEvent } from '../events.ts';
import type { SimSensor } from '../model.ts';
import { DEFAULT_BACKFILL_MS } from './select.ts';
import type { Scenario, ScenarioFacts } from './types.ts';

export const sensorFaults: Scenario = {
  name: 'sensor-faults',
  description: 'Calibration, stuck, drifting, poisoned, silent, spiking and comm-lost sensors; a reboot; a drifting clock.',
  build(ctx) {
    const t = (min: number) => ctx.startMs + min * MINUTE_MS;
    const used = new Set<string>();
    const events: SimEvent[] = [];
    const faults: NonNullable<ScenarioFacts['faults']> = [];
    const take = (ok: (s: SimSensor) => boolean): SimSensor | undefined => {
      const s = ctx.sensors.find((x) => !used.has(x.key) && ok(x));
      if (s) used.add(s.key);
      return s;
    };
    const add = (s: SimSensor | undefined, spec: FaultSpec, at: number, until?: number) => {
      if (!s) return;
      events.push({ kind: 'fault', sensor: s.key, at, ...(until !== undefined ? { until } : {}), ...spec } as SimEvent);
      faults.push({ sensor: s.key, fault: spec.fault, atMs: at });
    };
    const isType = (...types: string[]) => (s: SimSensor) => types.includes(s.info.type);
    add(take(isType('gas_combustible', 'mine_ch4', 'gas_h2s', 'gas_co')), { fault: 'calibration' }, t(1), t(3));
    add(take(isType('gas_combustible', 'mine_ch4')), { fault: 'stuck' }, t(2));
    add(take(isType('gas_combustible')), { fault: 'drift', perHour: -30 }, t(2));
    add(take(isType('gas_combustible', 'gas_h2s')), { fault: 'span', factor: 0.5 }, t(1));
    add(take(isType('dust_dp', 'tank_level', 'process_temp', 'tailings_pond_level', 'cable_temp')), { fault: 'dropout' }, t(2), t(12));
    add(take(isType('residual_current', 'process_pressure', 'cable_temp')), { fault: 'spikes', probability: 0.3, magnitude: 400 }, t(1), t(20));
    const gateway = ctx.devices.find((d) => d.kind === 'gateway');
    add(take((s) => gateway !== undefined && gateway.sensors.includes(s.key)), { fault: 'comm_lost' }, t(6), t(10));
    const free = (d: (typeof ctx.devices)[number]) => d.sensors.every((k) => !used.has(k));
    const rebooted = ctx.devices.find(free);
    let reboot: ScenarioFacts['reboot'];
    if (rebooted) {
      rebooted.sensors.forEach((k) => used.add(k));
      events.push({ kind: 'reboot', at: t(5), enterpriseId: rebooted.enterpriseId, deviceId: rebooted.deviceId, downS: 60 });
      reboot = { enterpriseId: rebooted.enterpriseId, deviceId: rebooted.deviceId, atMs: t(5) };
    }
    const drifting = ctx.devices.find(free);
    for (const k of drifting?.sensors ?? []) add(ctx.sensors.find((s) => s.key === k), { fault: 'clock_drift', msPerMin: 2000 }, t(1));
    return {
      name: 'sensor-faults',
      description: sensorFaults.description,
      backfillMs: { ...DEFAULT_BACKFILL_MS },
      events,
      liveIntervalS: {},
      facts: { faults, ...(reboot ? { reboot } : {}) },
    };
  },
};
