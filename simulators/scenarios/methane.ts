// Coal-mine scenarios (domain.md §2.2).
// methane-ventilation-loss: the heading's local fan stops 2 min into the live phase; heading CH₄ rises
// 0.15 %/min (alarm 1.0 % after ~4–6 min, cut-power 1.5 % after ~7–9 min); the monitor cuts the feed
// when the curve reaches the cut value (params `cutAt`, default 1.5) unless the cut fails (default: it
// fails, 断电失败 → red); the fan restarts at +25 min and the feed is restored under `restoreAt` (1.0).
// methane-outburst: CH₄ above 4 % within seconds along the airflow path, air reverses, CO rises.
import { MINUTE_MS, SECOND_MS } from '../time.ts';
import { num } from '../model.ts';
import { airway, ch4Expected } from '../models/methane.ts';
import type { SimSensor } from '../model.ts';
import type { FanStopEvent, SimEvent } from '../events.ts';
import { DEFAULT_BACKFILL_MS, need, ofType, related, sameArea, sameSite, unique } from './select.ts';
import type { Scenario } from './types.ts';

export const methaneVentilationLoss: Scenario = {
  name: 'methane-ventilation-loss',
  description: 'A local fan stops; heading methane climbs linearly through alarm and cut-power; the power cut fails.',
  build(ctx) {
    const fans = ofType(ctx.sensors, 'mine_fan');
    const headingOf = (f: (typeof fans)[number]) => related(ctx.sensors, f, 'fan').filter((s) => s.info.type === 'mine_ch4');
    const fan = fans.find((f) => headingOf(f).length > 0) ?? need(fans, 'methane-ventilation-loss', 'a mine_fan sensor');
    let heading = headingOf(fan);
    if (heading.length === 0) heading = unique([...sameArea(ctx.sensors, fan), ...sameSite(ctx.sensors, fan)]).filter((s) => s.info.type === 'mine_ch4').slice(0, 1);
    need(heading, 'methane-ventilation-loss', 'a mine_ch4 sensor at the fan’s site');
    const wind = unique([...related(ctx.sensors, fan, 'fan'), ...sameArea(ctx.sensors, fan)]).filter((s) => s.info.type === 'mine_wind');
    const at = ctx.startMs + 2 * MINUTE_MS;
    const until = ctx.startMs + 25 * MINUTE_MS;
    // At the heading face 0.15 %/min; in its return flow, diluted by leakage air, 0.12 %/min.
    const rate = (s: SimSensor) => (airway(s.info) === 'face' ? 0.15 : 0.12);
    const stop: FanStopEvent = { kind: 'fan_stop', at, until, fan: fan.key, methane: heading.map((s) => ({ sensor: s.key, ratePerMin: rate(s) })), wind: wind.map((w) => w.key) };
    const events: SimEvent[] = [stop];
    const cutFails = ctx.options.cutFails ?? true;
    const lead = heading[0] as SimSensor;
    const feed =
      unique(heading.flatMap((h) => related(ctx.sensors, h, 'feed'))).find((s) => s.info.type === 'mine_feed') ??
      unique([...sameArea(ctx.sensors, lead), ...sameSite(ctx.sensors, lead)]).find((s) => s.info.type === 'mine_feed');
    let feedCutAt: number | undefined;
    if (feed) {
      // The monitor cuts when any heading sensor reaches its own cut-power value (params `cutPower`,
      // default 1.5 %) and restores once all are below their `restore` value (default 1.0 %).
      const level = (h: SimSensor, t: number) => ch4Expected(h.info, ctx.sensorSeed(h.key), events, t);
      const over = (t: number) => heading.some((h) => level(h, t) >= num(h.info.params, 'cutPower', 1.5));
      const clear = (t: number) => heading.every((h) => level(h, t) < num(h.info.params, 'restore', 1.0));
      let t = at;
      while (t < until && !over(t)) t += SECOND_MS;
      if (t < until) {
        feedCutAt = t + 2 * SECOND_MS; // switchgear reaction
        let r = until;
        while (r < until + 60 * MINUTE_MS && !clear(r)) r += SECOND_MS;
        events.push({ kind: 'feed_cut', at: feedCutAt, until: r, feed: feed.key, fails: cutFails });
      }
    }
    return {
      name: 'methane-ventilation-loss',
      description: methaneVentilationLoss.description,
      backfillMs: { ...DEFAULT_BACKFILL_MS },
      events,
      liveIntervalS: {},
      facts: {
        fan: fan.key,
        heading: heading.map((h) => h.key),
        fanStopAtMs: at,
        fanRestartAtMs: until,
        ...(feed ? { feed: feed.key, feedCutFails: cutFails } : {}),
        ...(feedCutAt !== undefined ? { feedCutAtMs: feedCutAt } : {}),
      },
    };
  },
};

export const methaneOutburst: Scenario = {
  name: 'methane-outburst',
  description: 'A coal and gas outburst: methane saturates the low-range sensors along the airflow, air reverses, CO rises.',
  build(ctx) {
    const first = need(ofType(ctx.sensors, 'mine_ch4'), 'methane-outburst', 'a mine_ch4 sensor');
    const path = [first, ...sameSite(ctx.sensors, first, 'mine_ch4')];
    const at = ctx.startMs + 3 * MINUTE_MS;
    let delay = 0;
    const hops = path.map((s) => {
      const hop = { sensor: s.key, delayS: delay, peak: ctx.rng.uniform(6, 20) };
      delay += Math.round(ctx.rng.uniform(10, 40));
      return hop;
    });
    const wind = [first, ...sameSite(ctx.sensors, first, 'mine_wind')].filter((s) => s.info.type === 'mine_wind');
    const co = sameSite(ctx.sensors, first, 'mine_co');
    return {
      name: 'methane-outburst',
      description: methaneOutburst.description,
      backfillMs: { ...DEFAULT_BACKFILL_MS },
      events: [{ kind: 'outburst', at, path: hops, wind: wind.map((w) => w.key), co: co.map((c) => c.key) }],
      liveIntervalS: {},
      facts: { outburstAtMs: at, heading: hops.map((h) => h.sensor) },
    };
  },
};
