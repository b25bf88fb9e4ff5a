// showcase: a demo that fills every Grafana dashboard and the console within its first minute. The rules
// announce nothing from an imported history (rules/engine/engine.ts: imports warm windows; the next live reading
// announces the level then in force), so the incidents are timed to be in force when the live phase begins:
//  - the dam-failure chain (dam-failure.ts, unchanged: storms, blocked drainage, accelerating creep, failure at
//    start + 3 h): the tailings site is red and orange at the first live readings;
//  - a heading's local fan stopped a few minutes before the start (as methane-ventilation-loss, at the top of its
//    0.05–0.3 %/min range: 0.3 %/min at the face, 0.24 in the return), timed from the face sensor's own expected
//    curve so that it is past the alarm value (1.0 %, yellow) at the start and reaches the cut-power value
//    (1.5 %) one minute into the live phase: a level_up every run, whatever the noise (σ ≤ 0.05 %, the margin at
//    the start is 0.3 %). The power cut fails (no feed_cut event: the feed keeps showing power, 断电失败);
//  - a second heading's fan stopped before the start at the bottom of the same range (0.05 %/min at the face, 0.03 in
//    the return) and restarted at the start, timed so that its face is at 0.9 % then: in the pre-alarm band (blue,
//    0.8–1.0 % at a 1.0 % alarm location), 0.1 % (≥ 2σ) from either edge, and falling after. The only blue the
//    scenario is sure of: the pond level's (dam-failure) depends on the season's rain, and at many dates it is past
//    the pre-flood level (yellow) at the start. The fan alert is history (the fan runs again at the start);
//  - a calibration with test gas 1 h before the start (3 min, quality `calibrating`) on a combustible detector:
//    history only (a calibration raises nothing; the dashboards list it);
//  - a gas sensor reported `comm_lost` (by its gateway, when it has one) from 5 min before to 5 min after the
//    start: a device alert at the first live reading.
// Sensors are picked in key order, so a registry gives the same incidents in whatever order it is listed (the
// platform lists enterprises by id, a YAML file in its own order).
import { MINUTE_MS, SECOND_MS } from '../time.ts';
import { num } from '../model.ts';
import { airway, ch4Expected } from '../models/methane.ts';
import type { SimEvent } from '../events.ts';
import type { SimSensor } from '../model.ts';
import { damFailure } from './dam-failure.ts';
import { need, ofType, related } from './select.ts';
import type { Scenario, ScenarioFacts } from './types.ts';

/** When the face sensor reaches its cut-power value, after the start. */
export const SHOWCASE_CUT_POWER_AFTER_MS = 60 * SECOND_MS;
const FACE_RATE = 0.3;
const RETURN_RATE = 0.24;
/** The second heading: its face at the start, and the rates. */
export const SHOWCASE_PRE_ALARM_CH4 = 0.9;
const PRE_ALARM_FACE_RATE = 0.05;
const PRE_ALARM_RETURN_RATE = 0.03;

export const showcase: Scenario = {
  name: 'showcase',
  description: 'Incidents in force at the start: a failing tailings dam, a heading without ventilation crossing cut-power, a lost sensor; a recent calibration.',
  build(given) {
    const ctx = { ...given, sensors: [...given.sensors].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) };
    const dam = damFailure.build(ctx);
    const used = new Set<string>();
    const pick = (ok: (s: SimSensor) => boolean, what: string): SimSensor => {
      const s = need(ctx.sensors.filter((x) => !used.has(x.key) && x.siteKey !== dam.facts.site && ok(x)), 'showcase', what);
      used.add(s.key);
      return s;
    };

    // A heading: a fan with methane sensors downstream, the face sensor leading, and the fan's wind sensors; taken
    // for this scenario. Its fan stops at `at` and runs again at `until`, the methane rising at the face and (diluted)
    // in the return flow.
    const headingOf = (f: SimSensor) => related(ctx.sensors, f, 'fan').filter((s) => s.info.type === 'mine_ch4');
    const hasFace = (f: SimSensor) => headingOf(f).some((h) => airway(h.info) === 'face');
    const take = (fan: SimSensor) => {
      const heading = headingOf(fan);
      const wind = related(ctx.sensors, fan, 'fan').filter((s) => s.info.type === 'mine_wind');
      for (const s of [fan, ...heading, ...wind]) used.add(s.key);
      return { fan, heading, face: heading.find((h) => airway(h.info) === 'face')!, wind };
    };
    const fanStop = (h: ReturnType<typeof take>, at: number, until: number, faceRate: number, returnRate: number): SimEvent => ({
      kind: 'fan_stop', at, until, fan: h.fan.key, wind: h.wind.map((w) => w.key),
      methane: h.heading.map((s) => ({ sensor: s.key, ratePerMin: airway(s.info) === 'face' ? faceRate : returnRate })),
    });

    const first = take(need(ofType(ctx.sensors, 'mine_fan').filter(hasFace), 'showcase', 'a mine_fan with a face mine_ch4 sensor'));
    const { fan, heading, face } = first;
    const cutAt = ctx.startMs + SHOWCASE_CUT_POWER_AFTER_MS;
    const cutPower = num(face.info.params, 'cutPower', 1.5);
    const stopAt = Math.round(cutAt - ((cutPower - ch4Expected(face.info, ctx.sensorSeed(face.key), [], cutAt)) / FACE_RATE) * MINUTE_MS);

    // The second heading (pre-alarm at the start), when the registry has one.
    const fan2 = ofType(ctx.sensors, 'mine_fan').find((f) => !used.has(f.key) && hasFace(f));
    let preAlarm: { event: SimEvent; fact: NonNullable<ScenarioFacts['preAlarm']> } | null = null;
    if (fan2) {
      const second = take(fan2);
      const face2 = second.face;
      const rise = Math.max(0.1, SHOWCASE_PRE_ALARM_CH4 - ch4Expected(face2.info, ctx.sensorSeed(face2.key), [], ctx.startMs));
      const stop2 = Math.round(ctx.startMs - (rise / PRE_ALARM_FACE_RATE) * MINUTE_MS);
      preAlarm = {
        event: fanStop(second, stop2, ctx.startMs, PRE_ALARM_FACE_RATE, PRE_ALARM_RETURN_RATE),
        fact: { fan: fan2.key, face: face2.key, stopAtMs: stop2, restartAtMs: ctx.startMs },
      };
    }

    const calibrated = pick((s) => s.info.type === 'gas_combustible', 'a gas_combustible sensor');
    // comm_lost is what a gateway reports for a sensor it lost: one behind a gateway when there is one.
    const behindGateway = new Set(ctx.devices.filter((d) => d.kind === 'gateway').flatMap((d) => d.sensors));
    const gas = (s: SimSensor) => s.info.type.startsWith('gas_') && !used.has(s.key) && s.siteKey !== dam.facts.site;
    const lost = pick(ctx.sensors.some((s) => gas(s) && behindGateway.has(s.key)) ? (s) => gas(s) && behindGateway.has(s.key) : gas, 'a second gas sensor');
    const t = (min: number) => ctx.startMs + min * MINUTE_MS;
    const faults: NonNullable<ScenarioFacts['faults']> = [
      { sensor: calibrated.key, fault: 'calibration', atMs: t(-60) },
      { sensor: lost.key, fault: 'comm_lost', atMs: t(-5) },
    ];
    const events: SimEvent[] = [
      ...dam.events,
      fanStop(first, stopAt, t(25), FACE_RATE, RETURN_RATE),
      ...(preAlarm ? [preAlarm.event] : []),
      { kind: 'fault', sensor: calibrated.key, at: t(-60), until: t(-57), fault: 'calibration' },
      { kind: 'fault', sensor: lost.key, at: t(-5), until: t(5), fault: 'comm_lost' },
    ];
    return {
      name: 'showcase',
      description: showcase.description,
      backfillMs: dam.backfillMs,
      events,
      liveIntervalS: dam.liveIntervalS,
      facts: { ...dam.facts, fan: fan.key, heading: heading.map((h) => h.key), fanStopAtMs: stopAt, fanRestartAtMs: t(25), faults, ...(preAlarm ? { preAlarm: preAlarm.fact } : {}) },
    };
  },
};
