// Every composite rule's params, in one place (one small builder per pack entry; the schema is
// rules/kinds/composite.ts). A composite is a site-scope rule anchored to one sensor. A member's level is its
// own sensor rules only (rules/engine/plan.ts `ownLevel`), so a composite never reads its own output and
// `{ self: true }, { minLevel }` is safe.
import type { CompositeParams } from '../kinds/composite.ts';

/** Gas, domain.md §2.1 red: "orange persisting > 5 min" (toxic: "same logic"). The anchor's own level at orange
 * or above, held for 5 min. On the level, not on the value: the orange alarm held by its hysteresis is the
 * alarm that persists, and a detector latched in over-range (domain.md §2.1 "keep the alarm latched") keeps its
 * orange with no quality-ok sample to time it by; this rule is timed by the clock (`forS`). */
export function orangePersisting(holdS: number): CompositeParams {
  return {
    op: 'and',
    level: 'red',
    forS: holdS,
    text: `二级报警(橙色)持续超过${Math.round(holdS / 60)}分钟`,
    nativeAlarm: '二级报警',
    terms: [{ of: { self: true }, test: { minLevel: 'orange' } }],
  };
}

/** A composite that reads its anchor's own level holds CONFIRM_S before it acts [PROPOSAL]: one engine tick. It
 * also keeps the red out of the very evaluation that raised the anchor's own level: the engine then sends two
 * level signals with one journal position, and the alert reducer drops the second as a replay (reported to the
 * lead; rules/alerts/reducer.ts `s.pos <= alert.lastPos`), leaving the alert a colour below the engine's. */
const CONFIRM_S = 10;

/** Gas, domain.md §2.1 red: "orange on ≥ 2 detectors in the same area" (toxic: "same logic"). The anchor at
 * orange (二级报警) or above, and at least one other detector of its type in its area at orange or above.
 * The anchor term keeps a quiet detector from turning red because two others in its area did. */
export function sameAreaOrange(): CompositeParams {
  return {
    op: 'and',
    level: 'red',
    forS: CONFIRM_S,
    text: '同一区域2个及以上探测器达到二级报警(橙色)',
    nativeAlarm: '二级报警',
    terms: [
      { of: { self: true }, test: { minLevel: 'orange' } },
      { of: { sameArea: true, sameType: true, excludeSelf: true }, test: { minLevel: 'orange' }, need: 'any' },
    ],
  };
}

/** How old a coal-mine reading a composite relies on may be (the feed's "power on", the air velocity). AQ 1029
 * (domain.md §2.2, S9): the hot-standby host switches over within 40 s, so a 40 s gap in the 10 s readings is
 * normal operation, not a reason to drop a red 断电失败 to orange and raise it again (with 20 s, two intervals,
 * one late feed reading did exactly that). */
export const MINE_FRESH_S = 40;

/** Coal, domain.md §2.2 red: "cut-power value and the feed status still shows power (断电失败 / 馈电异常)".
 * The anchor at orange (its cut-power value, held until the restore value: power may not come back before)
 * and its feed sensor's latest reading showing power; 10 s for the cut to act. The reading must be fresh
 * (a silent feed sensor is a device alarm, not proof of power) within MINE_FRESH_S. */
export function cutPowerFeedFailure(): CompositeParams {
  return {
    op: 'and',
    level: 'red',
    forS: 10,
    text: '甲烷已达断电浓度但被控开关仍显示有电(断电失败/馈电异常)',
    nativeAlarm: '馈电异常',
    terms: [
      { of: { self: true }, test: { minLevel: 'orange' } },
      { of: { relation: 'feed' }, test: { value: 'eq', than: 1, maxAgeS: MINE_FRESH_S }, need: 'any' },
    ],
  };
}

/** Coal, domain.md §2.2 red: "an outburst signature": "within seconds CH₄ jumps to > 4 % (low-range sensors
 * saturate → overrange). Air velocity reverses or drops …". The anchor methane sensor saturated (device state
 * `overrange`; its own process level stays latched where it was, domain.md §2 and §2.1) while a wind sensor of
 * its area reports reversed air (a quality-ok reading < 0 m/s, fresh within MINE_FRESH_S). The quality-ok
 * reversal raises it; the saturation says why. "Drops" alone is left out: a stopped local fan drops the air
 * too (§2.2 ventilation loss), which has its own rules. An area without a wind sensor cannot show this
 * signature (the term is inert). */
export function outburstSignature(): CompositeParams {
  return {
    op: 'and',
    level: 'red',
    text: '疑似煤与瓦斯突出：甲烷传感器超量程(>4 %)且同一区域风流反向',
    terms: [
      { of: { self: true }, test: { deviceIn: ['overrange'] } },
      { of: { type: ['mine_wind'], sameArea: true }, test: { value: 'lt', than: 0, maxAgeS: MINE_FRESH_S }, need: 'any', ifUnresolved: 'inert' },
    ],
  };
}

/** Dust, domain.md §2.3 hopper-temperature red: "spark detected + ≥ 60 °C". Both on levels, not on latest
 * values: the hopper at yellow or above (its 60 °C step, with that step's deadband), and a spark detector of
 * the same collector at blue or above (dust_spark.count: a spark within the last hour). A latest-value test
 * read a spark count of the last reporting period only, so red dropped at every spark-free period (every 10 s
 * at a 10 s interval) while the fire burned. */
export function sparkWithHotHopper(sparkIds: string[]): CompositeParams {
  return {
    op: 'and',
    level: 'red',
    forS: CONFIRM_S,
    text: '灰斗温度 ≥ 60 °C 且同一除尘器探测到火花',
    terms: [
      { of: { self: true }, test: { minLevel: 'yellow' } },
      { of: { ids: sparkIds }, test: { minLevel: 'blue' }, need: 'any' },
    ],
  };
}

/** Dust, domain.md §2.3 ΔP red: "ΔP ≈ 0 while the production line draws power (collector off during
 * production)", §2.4.3. ≈ 0: below 10 % of the commissioned baseline [PROPOSAL]; "draws power": the related
 * meter at ≥ 30 % of its ratedKw (the §2.4.1 production threshold), fresh within two 15-min intervals;
 * held 10 min (a fan trip shows ΔP → 0 in < 10 s, a normal stop ends with the line) [PROPOSAL]. */
export function collectorOffWhileProducing(): CompositeParams {
  return {
    op: 'and',
    level: 'red',
    forS: 600,
    text: '生产线用电期间除尘器压差近零，疑似除尘器停运',
    terms: [
      { of: { self: true }, test: { value: 'lt', thanParam: { param: 'baselinePa', factor: 0.1 } } },
      { of: { relation: 'meter', metric: 'p' }, test: { value: 'ge', thanParam: { param: 'ratedKw', factor: 0.3 }, maxAgeS: 1800 }, need: 'any' },
    ],
  };
}

/** Electricity, domain.md §2.4.2 residual-current red: "≥ 500 mA and temperature orange" (a cable-temperature
 * detector of the same area). The anchor at orange = its 500 mA step. */
export function residualWithHotCable(): CompositeParams {
  return {
    op: 'and',
    level: 'red',
    text: '剩余电流达到橙色(≥ 500 mA)且同区域线缆温度达到橙色',
    terms: [
      { of: { self: true }, test: { minLevel: 'orange' } },
      { of: { type: ['cable_temp'], sameArea: true }, test: { minLevel: 'orange' }, need: 'any' },
    ],
  };
}

/** Tailings, domain.md §2.5 rainfall red: "≥ 100 mm (24 h) with level orange": the gauge at orange (its
 * 100 mm step) and a pond-level gauge of the site at orange. Not in the rain_gauge pack yet: the gauge has no
 * 24 h-sum rule to be orange by until a window-sum kind exists (tailings.ts rainGauge). */
export function rainWithHighPond(): CompositeParams {
  return {
    op: 'and',
    level: 'red',
    text: '24小时降雨量达到橙色(≥ 100 mm)且库水位达到橙色',
    terms: [
      { of: { self: true }, test: { minLevel: 'orange' } },
      { of: { type: ['tailings_pond_level'] }, test: { minLevel: 'orange' }, need: 'any' },
    ],
  };
}

/** Electricity, domain.md §2.4.3 "production on, safety sensors off": a production load (≥ 30 % of ratedKw,
 * §2.4.1) while every gas, coal-mine and dust sensor of the site has been offline, flat-lined or in
 * maintenance for > 30 min. need 'all': one dark sensor is its own device alarm; all of them dark while the
 * plant draws power is the pattern. Orange: a compliance signal for the enforcement queue (§2.4.1 colour
 * ceiling; 001: damaging monitoring equipment is a 失信 offence) [PROPOSAL]. */
export function productionWithMonitoringOff(): CompositeParams {
  return {
    op: 'and',
    level: 'orange',
    text: '生产用电中但安全监测传感器离线、数值僵直或维护超过30分钟，疑似关停监测',
    terms: [
      { of: { self: true, metric: 'p' }, test: { value: 'ge', thanParam: { param: 'ratedKw', factor: 0.3 }, maxAgeS: 1800 } },
      { of: { family: ['gas', 'coal', 'dust'] }, test: { deviceIn: ['silent', 'stuck', 'maintenance', 'comm_lost'], forS: 1800 }, need: 'all' },
    ],
  };
}
