import { describe, expect, it } from 'vitest';
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import { PACK_VERSION } from './index.ts';
import { OverridesSchema, type Overrides } from './overrides.ts';
import { mergeParams, rulesForSensor, rulesForSite } from './resolve.ts';
import { DEFAULT_VALUES_NOTE } from '../../core/alert.ts';
import type { PackEnterprise, ResolvedRule } from './types.ts';

type Params = Record<string, string | number | boolean>;

function sensor(id: string, type: string, params: Params = {}, extra: Partial<SensorInfo> = {}): SensorInfo {
  return {
    id, type, name: id, area: 'a1', item: null, commissioned: '2024-01-01', params, relations: [],
    enterpriseId: 'e1', siteId: 's1', deviceIds: ['d1'], commissionedMs: Date.parse('2024-01-01'), ...extra,
  };
}

function site(sensors: SensorInfo[], params: Params = {}, extra: Partial<SiteDef> = {}): SiteDef {
  return { id: 's1', name: 's1', kind: 'factory', location: { lat: 24, lon: 102 }, areas: [{ id: 'a1', name: 'a1' }], items: [], params, sensors, ...extra };
}

const ent = (sector = 'hazchem'): PackEnterprise => ({ id: 'e1', sector });
const ov = (version: number, overrides: unknown[]): Overrides => OverridesSchema.parse({ version, overrides });

function rule(rules: ResolvedRule[], id: string): ResolvedRule | undefined {
  return rules.find((r) => r.id === id);
}
function levels(r: ResolvedRule | undefined): Record<string, { enter: number; clear?: number; enterS?: number; native?: string }> {
  return (r?.params as { levels: Record<string, { enter: number }> }).levels;
}
const of = (s: SensorInfo, st: SiteDef = site([s]), e = ent(), o: Overrides | null = null) => rulesForSensor(s, st, e, o);

describe('rulesForSensor: thresholds from design params or domain.md §2 defaults', () => {
  const cases: { why: string; s: SensorInfo; rule: string; expect: Record<string, number | undefined>; source: 'design' | 'default' }[] = [
    { why: 'T2 (return airway): alarm = cut-power = 1.0 %, so orange enters at 1.0 with yellow (domain.md §2.2)', s: sensor('m', 'mine_ch4', { location: 'T2' }), rule: 'mine_ch4.threshold', expect: { blue: 0.8, yellow: 1.0, orange: 1.0, red: 2.0 }, source: 'default' },
    { why: 'T1 face: alarm 1.0, cut-power 1.5; the sensor carries its values → design', s: sensor('m', 'mine_ch4', { location: 'T1', alarm: 1.0, cutPower: 1.5, restore: 1.0 }), rule: 'mine_ch4.threshold', expect: { blue: 0.8, yellow: 1.0, orange: 1.5, red: 2.0 }, source: 'design' },
    { why: 'T3 intake 0.5/0.5: the pre-alarm is 80 % of the alarm value, not 0.8 % above it', s: sensor('m', 'mine_ch4', { location: 'T3' }), rule: 'mine_ch4.threshold', expect: { blue: 0.4, yellow: 0.5, orange: 0.5, red: 2.0 }, source: 'default' },
    { why: 'drainage roadway cuts at 2.5 %: the 2.0 % accumulation red would sit below orange, so it is left out', s: sensor('m', 'mine_ch4', { location: 'drainage' }), rule: 'mine_ch4.threshold', expect: { blue: 2.0, yellow: 2.5, orange: 2.5, red: undefined }, source: 'default' },
    { why: 'combustible without settings: GB/T 50493 maxima 25 / 50 %LEL; red is no value step (orange persisting / on 2 detectors: composites)', s: sensor('g', 'gas_combustible'), rule: 'gas_combustible.threshold', expect: { blue: 10, yellow: 25, orange: 50, red: undefined }, source: 'default' },
    { why: 'combustible with alarm1 20 (a plant may set lower): design, yellow 20, blue stays 10', s: sensor('g', 'gas_combustible', { alarm1: 20, alarm2: 40 }), rule: 'gas_combustible.threshold', expect: { blue: 10, yellow: 20, orange: 40, red: undefined }, source: 'design' },
    { why: 'combustible with a GB 6222-style 10 %LEL level 1: blue drops to half of it', s: sensor('g', 'gas_combustible', { alarm1: 10 }), rule: 'gas_combustible.threshold', expect: { blue: 5, yellow: 10, orange: 50 }, source: 'design' },
    { why: 'H₂S: blue 50 % of AL 7, yellow AL, orange AH 14 ppm (GB/T 50493 annex)', s: sensor('h', 'gas_h2s'), rule: 'gas_h2s.threshold', expect: { blue: 3.5, yellow: 7, orange: 14, red: undefined }, source: 'default' },
    { why: 'H₂S red at 10 % IDLH = 430 mg/m³ × 24.45 / 34.08 / 10 = 30.8 ppm', s: sensor('h', 'gas_h2s'), rule: 'gas_h2s.idlh', expect: { red: 30.8 }, source: 'default' },
    { why: 'residual current: GB 50116 §9.2.3 alarm 300 mA from the sensor → design', s: sensor('i', 'residual_current', { alarm: 300 }), rule: 'residual_current.threshold', expect: { blue: 200, yellow: 300, orange: 500, red: 1000 }, source: 'design' },
    { why: 'residual current set at 500 mA (top of the range): yellow and orange coincide, orange wins', s: sensor('i', 'residual_current', { alarm: 500 }), rule: 'residual_current.threshold', expect: { blue: 200, yellow: 500, orange: 500, red: 1000 }, source: 'design' },
    { why: 'XLPE cable: the PVC ladder shifted by +20 °C (conductor limit 90 °C)', s: sensor('c', 'cable_temp', { insulation: 'XLPE' }), rule: 'cable_temp.threshold', expect: { blue: 75, yellow: 80, orange: 90, red: 100 }, source: 'design' },
    { why: 'cable with no insulation given: PVC, the lower limit', s: sensor('c', 'cable_temp'), rule: 'cable_temp.threshold', expect: { blue: 55, yellow: 60, orange: 70, red: 80 }, source: 'default' },
    { why: 'mine CO: 24 ppm limit yellow; blue / orange at 50 / 200 %, red 10 % IDLH', s: sensor('c', 'mine_co', { alarm: 24 }), rule: 'mine_co.threshold', expect: { blue: 12, yellow: 24, orange: 48, red: 148 }, source: 'design' },
    { why: 'phreatic depth D = 5 m: 1.3 / 1.2 / 1.1 / 1.0 × D (GB 51108 §8.3; platform defaults)', s: sensor('p', 'tailings_phreatic', { controlDepth: 5 }), rule: 'tailings_phreatic.threshold', expect: { blue: 6.5, yellow: 6, orange: 5.5, red: 5 }, source: 'default' },
    { why: 'dry beach Lmin 70 m: 1.5 / 1.3 / 1.15 / 1.0 × Lmin', s: sensor('b', 'tailings_beach', { minLength: 70 }), rule: 'tailings_beach.threshold', expect: { blue: 105, yellow: 91, orange: 80.5, red: 70 }, source: 'default' },
    { why: 'pond level: the design levels directly, orange at the midpoint of pre-flood and design max', s: sensor('w', 'tailings_pond_level', { operatingLevel: 1850, preFloodLevel: 1850.6, designMaxFloodLevel: 1851.8 }), rule: 'tailings_pond_level.threshold', expect: { blue: 1850, yellow: 1850.6, orange: 1851.2, red: 1851.8 }, source: 'design' },
    { why: 'GNSS velocity: blue 2 × the point\'s normal creep 0.1 mm/d = 0.2, floored at 0.5 mm/d (7-day-rate noise on a quiet dam), then 1 / 3 / 10 mm/d', s: sensor('g', 'tailings_gnss', { normalCreepMmPerDay: 0.1 }), rule: 'tailings_gnss.velocity', expect: { blue: 0.5, yellow: 1, orange: 3, red: 10 }, source: 'design' },
    { why: 'GNSS velocity: a point creeping 0.4 mm/d normally gets blue at 2 × that = 0.8 mm/d', s: sensor('g', 'tailings_gnss', { normalCreepMmPerDay: 0.4 }), rule: 'tailings_gnss.velocity', expect: { blue: 0.8, yellow: 1, orange: 3, red: 10 }, source: 'design' },
    { why: 'tank level with DCS setpoints: H yellow, HH orange', s: sensor('t', 'tank_level', { height: 12.3, high: 10.46, highHigh: 11.07, low: 1.23, lowLow: 0.62 }), rule: 'tank_level.threshold', expect: { yellow: 10.46, orange: 11.07 }, source: 'design' },
    { why: 'tank level with only a height: 85 / 90 % of it (domain.md §2.6 simulation defaults)', s: sensor('t', 'tank_level', { height: 10 }), rule: 'tank_level.threshold', expect: { yellow: 8.5, orange: 9 }, source: 'default' },
    { why: 'pressure with a design value only: H 90 %, HH 95 % of design are defaults', s: sensor('p', 'process_pressure', { design: 2.0 }), rule: 'process_pressure.threshold', expect: { yellow: 1.8, orange: 1.9 }, source: 'default' },
  ];
  for (const c of cases) {
    it(c.why, () => {
      const r = rule(of(c.s), c.rule);
      expect(r, c.rule).toBeDefined();
      const l = levels(r);
      for (const [name, enter] of Object.entries(c.expect)) expect(l[name]?.enter, name).toBe(enter);
      expect(r!.thresholdSource).toBe(c.source);
      expect(r!.version).toBe(PACK_VERSION);
    });
  }

  it('clears methane orange at the restore value (复电浓度), not at the cut-power value', () => {
    const l = levels(rule(of(sensor('m', 'mine_ch4', { location: 'T1', alarm: 1.0, cutPower: 1.5, restore: 1.0 })), 'mine_ch4.threshold'));
    expect(l.orange).toMatchObject({ enter: 1.5, clear: 1.0, native: '断电' });
    expect(l.yellow?.native).toBe('报警');
  });

  it('labels the gas grades with the standard\'s own names (contract.md nativeAlarm) and turns orange held 5 min red', () => {
    const l = levels(rule(of(sensor('g', 'gas_combustible')), 'gas_combustible.threshold'));
    expect(l.yellow?.native).toBe('一级报警');
    expect(l.orange?.native).toBe('二级报警');
    // domain.md §2.1 turbulence (σ_ln 0.3, 5–30 s): a colour is left only after 60 s past its clear value.
    expect(l.orange).toMatchObject({ enter: 50, clear: 48, enterS: 10, exitS: 60 });
    expect(rule(of(sensor('g', 'gas_combustible')), 'gas_combustible.orange_persisting')).toMatchObject({
      scope: 'site', target: 'self', anchorSensorId: 'g', params: { level: 'red', forS: 300, terms: [{ of: { self: true }, test: { minLevel: 'orange' } }] },
    });
  });

  it('puts O₂ on a band: under-oxygen 19.5 yellow on the low side, over-oxygen 23.5 yellow on the high side', () => {
    const p = rule(of(sensor('o', 'gas_o2')), 'gas_o2.threshold')!.params as { direction: string; levels: Record<string, { enter: number }>; low: Record<string, { enter: number }> };
    expect(p.direction).toBe('band');
    expect(p.levels.yellow?.enter).toBe(23.5);
    expect(Object.fromEntries(Object.entries(p.low).map(([k, v]) => [k, v.enter]))).toEqual({ blue: 20, yellow: 19.5, orange: 18, red: 16 });
  });

  it('omits the NH₃ IDLH red: 10 % IDLH (51.7 ppm) lies below AH (57 ppm), so red comes from persistence only', () => {
    expect(rule(of(sensor('n', 'gas_nh3')), 'gas_nh3.idlh')).toBeUndefined();
    expect(levels(rule(of(sensor('n', 'gas_nh3')), 'gas_nh3.threshold')).orange?.enter).toBe(57);
    expect(rule(of(sensor('n', 'gas_nh3')), 'gas_nh3.orange_persisting')).toMatchObject({ params: { level: 'red', forS: 300 } });
  });

  it('leaves out value rules that have no reference: dp without baselinePa, process_temp without setpoints', () => {
    expect(of(sensor('d', 'dust_dp')).map((r) => r.id)).toEqual(['dust_dp.health']);
    expect(of(sensor('t', 'process_temp')).map((r) => r.id)).toEqual(['process_temp.health']);
  });
});

describe('rulesForSensor: pack membership by site and enterprise', () => {
  it('gives a continuous plant no off_hours_work (flat 70–95 % around the clock, domain.md §2.4.1); a day-shift plant gets it', () => {
    const m = sensor('pm', 'power_meter', { ratedKw: 800 });
    expect(rule(of(m, site([m], { profile: 'continuous' })), 'power_meter.off_hours_work')).toBeUndefined();
    expect(rule(of(m, site([m], { profile: 'day_shift' })), 'power_meter.off_hours_work')).toBeDefined();
    expect(rule(of(sensor('pm', 'power_meter', { profile: 'continuous' }), site([])), 'power_meter.off_hours_work')).toBeUndefined();
  });

  const sudden: { why: string; sector: string; level: string }[] = [
    { why: 'coal mine: a sudden loss is main-fan or drainage power, a life-safety signal → red', sector: 'coal', level: 'red' },
    { why: 'any other sector: a compliance notice → blue', sector: 'hazchem', level: 'blue' },
  ];
  for (const c of sudden) {
    it(c.why, () => {
      const m = sensor('pm', 'power_meter', { ratedKw: 800 });
      expect((rule(of(m, site([m]), ent(c.sector)), 'power_meter.sudden_loss')!.params as { level: string }).level).toBe(c.level);
    });
  }

  it('adds the "2 detectors orange" composite only where a same-type detector shares the area, anchored to the sensor', () => {
    const a = sensor('g1', 'gas_combustible');
    const b = sensor('g2', 'gas_combustible');
    const c = sensor('g3', 'gas_combustible', {}, { area: 'a2' });
    const st = site([a, b, c]);
    const r = rule(of(a, st), 'gas_combustible.same_area')!;
    expect(r).toMatchObject({ scope: 'site', target: 'self', anchorSensorId: 'g1', kind: 'composite' });
    expect(rule(of(c, st), 'gas_combustible.same_area')).toBeUndefined();
  });

  it('adds the feed-failure composite to a methane sensor with a feed relation only', () => {
    const withFeed = sensor('m', 'mine_ch4', { location: 'T1' }, { relations: [{ kind: 'feed', sensor: 'f' }] });
    expect(rule(of(withFeed), 'mine_ch4.feed_failure')).toMatchObject({ scope: 'site', target: 'self', anchorSensorId: 'm' });
    expect(rule(of(sensor('m', 'mine_ch4', { location: 'T1' })), 'mine_ch4.feed_failure')).toBeUndefined();
  });

  const seasonal: { why: string; params: Params; expect: boolean }[] = [
    { why: 'sugar mill with a 榨季: dust rules are silenced out of season (domain.md §2.3)', params: { season: 'sugar', seasonFrom: '11-01', seasonTo: '04-30' }, expect: true },
    { why: 'tea factory without a season: dust rules always in force', params: { profile: 'day_shift' }, expect: false },
  ];
  for (const c of seasonal) {
    it(c.why, () => {
      const t = sensor('t', 'dust_hopper_temp');
      const rules = of(t, site([t], c.params));
      expect(rules.length).toBeGreaterThan(1);
      for (const r of rules) expect(r.seasonal, r.id).toBe(c.expect);
    });
  }

  it('never makes a non-dust rule seasonal, even at a seasonal site', () => {
    const m = sensor('pm', 'power_meter', { ratedKw: 3000 });
    for (const r of of(m, site([m], { season: 'sugar', seasonFrom: '11-01', seasonTo: '04-30' }))) expect(r.seasonal, r.id).toBe(false);
  });

  it('gives every sensor kind a health rule on the device track, with silence judged against its interval', () => {
    const h = rule(of(sensor('pm', 'power_meter')), 'power_meter.health')!;
    expect(h.params).toMatchObject({ silentAfterS: 1800 });
    const g = rule(of(sensor('g', 'gas_combustible')), 'gas_combustible.health')!;
    expect(g.params).toMatchObject({ silentAfterS: 180, levels: { stuck: 'none' } });
  });
});

describe('the default-values note (domain.md §2.5)', () => {
  const cases: { why: string; s: SensorInfo; rule: string; note: string | null }[] = [
    { why: 'phreatic ladder from platform multipliers: the UI must say the design values are missing', s: sensor('p', 'tailings_phreatic', { controlDepth: 5 }), rule: 'tailings_phreatic.threshold', note: DEFAULT_VALUES_NOTE },
    { why: 'beach ladder from platform multipliers: same note', s: sensor('b', 'tailings_beach', { minLength: 70 }), rule: 'tailings_beach.threshold', note: DEFAULT_VALUES_NOTE },
    { why: 'pond level from the design levels themselves: no note', s: sensor('w', 'tailings_pond_level', { operatingLevel: 1, preFloodLevel: 2, designMaxFloodLevel: 3 }), rule: 'tailings_pond_level.threshold', note: null },
    { why: 'gas detectors are graded by the standard, not by a design institute: no note', s: sensor('g', 'gas_combustible'), rule: 'gas_combustible.threshold', note: null },
  ];
  for (const c of cases) it(c.why, () => expect(rule(of(c.s), c.rule)!.note).toBe(c.note));

  it('is the Chinese text of domain.md §2.5', () => expect(DEFAULT_VALUES_NOTE).toBe('未录入设计预警值，使用平台缺省值'));

  it('derives a missing control depth from the dam height (GB 50863 table, safe end) and a missing Lmin from the grade', () => {
    const p = sensor('p', 'tailings_phreatic');
    expect(levels(rule(of(p, site([p], { damHeight: 72 })), 'tailings_phreatic.threshold')).red?.enter).toBe(6);
    const b = sensor('b', 'tailings_beach');
    const pond = site([b], {}, { kind: 'tailings_pond', tailings: { grade: 3, wet: true, headTop: false, evacuationLeadMinutes: 90 } });
    expect(levels(rule(of(b, pond), 'tailings_beach.threshold')).red?.enter).toBe(70);
  });
});

describe('overrides', () => {
  const gas = sensor('g1', 'gas_combustible');
  const st = site([gas]);

  it('bumps the version to the file\'s, deep-merges params (other keys kept) and marks design values', () => {
    const o = ov(7, [{ enterprise: 'e1', sensor: 'g1', rule: 'gas_combustible.threshold', params: { levels: { yellow: { enter: 20, clear: 18 } } }, source: '企业 GDS 设定值', thresholdSource: 'design' }]);
    const r = rule(of(gas, st, ent(), o), 'gas_combustible.threshold')!;
    expect(r.version).toBe(7);
    expect(r.thresholdSource).toBe('design');
    expect(levels(r).yellow).toEqual({ enter: 20, clear: 18, enterS: 30, exitS: 60, native: '一级报警' });
    expect(levels(r).orange?.enter).toBe(50);
    expect(r.source.startsWith('企业 GDS 设定值 (rule overrides v7)')).toBe(true);
    // Rules the file does not name keep the pack version.
    expect(rule(of(gas, st, ent(), o), 'gas_combustible.rise')!.version).toBe(PACK_VERSION);
  });

  it('keeps thresholdSource default when the override does not claim design values', () => {
    const o = ov(2, [{ enterprise: 'e1', rule: 'gas_combustible.threshold', params: { levels: { blue: { enter: 8 } } }, source: '监测中心调整' }]);
    const r = rule(of(gas, st, ent(), o), 'gas_combustible.threshold')!;
    expect(r).toMatchObject({ version: 2, thresholdSource: 'default' });
  });

  it('removes a disabled rule and nothing else', () => {
    const o = ov(3, [{ enterprise: 'e1', sensor: 'g1', rule: 'gas_combustible.rise', disabled: true, source: '研判: 误报' }]);
    const ids = of(gas, st, ent(), o).map((r) => r.id);
    expect(ids).not.toContain('gas_combustible.rise');
    expect(ids).toContain('gas_combustible.threshold');
  });

  it('applies only to its enterprise, site, sensor and type', () => {
    const o = ov(4, [
      { enterprise: 'other', rule: 'gas_combustible.rise', disabled: true, source: 'x' },
      { enterprise: 'e1', site: 'other-site', rule: 'gas_combustible.rise', disabled: true, source: 'x' },
      { enterprise: 'e1', sensor: 'g9', rule: 'gas_combustible.rise', disabled: true, source: 'x' },
    ]);
    expect(of(gas, st, ent(), o).map((r) => r.id)).toContain('gas_combustible.rise');
  });

  it('applies the most specific entry last, whatever the file order: the sensor entry wins over the enterprise one', () => {
    const o = ov(5, [
      { enterprise: 'e1', sensor: 'g1', rule: 'gas_combustible.threshold', params: { levels: { yellow: { enter: 15, clear: 13 } } }, source: 'sensor' },
      { enterprise: 'e1', rule: 'gas_combustible.threshold', params: { levels: { yellow: { enter: 20, clear: 18 } } }, source: 'enterprise' },
    ]);
    expect(levels(rule(of(gas, st, ent(), o), 'gas_combustible.threshold')).yellow?.enter).toBe(15);
  });

  it('deletes a key with null (a design without a blue level)', () => {
    const o = ov(6, [{ enterprise: 'e1', rule: 'gas_combustible.threshold', params: { levels: { blue: null } }, source: 'design', thresholdSource: 'design' }]);
    expect(Object.keys(levels(rule(of(gas, st, ent(), o), 'gas_combustible.threshold')))).toEqual(['yellow', 'orange']);
  });

  it('supplies the params of a rule the defaults left out for want of design values', () => {
    const t = sensor('t', 'process_temp');
    const o = ov(8, [{ enterprise: 'e1', sensor: 't', rule: 'process_temp.threshold', params: { direction: 'rising', levels: { yellow: { enter: 80 }, orange: { enter: 90 } } }, source: 'DCS 设定值表', thresholdSource: 'design' }]);
    expect(rule(of(t, site([t]), ent(), o), 'process_temp.threshold')).toMatchObject({ version: 8, thresholdSource: 'design', note: null });
  });

  it('drops the default-values note once the design institute\'s values are entered', () => {
    const p = sensor('p', 'tailings_phreatic', { controlDepth: 5 });
    const o = ov(9, [{ enterprise: 'e1', sensor: 'p', rule: 'tailings_phreatic.threshold', params: { levels: { blue: { enter: 7, clear: 7.2 } } }, source: '设计院 表7-3', thresholdSource: 'design' }]);
    expect(rule(of(p, site([p]), ent(), o), 'tailings_phreatic.threshold')).toMatchObject({ thresholdSource: 'design', note: null, version: 9 });
  });
});

describe('rulesForSite: tailings roll-ups (GB 39496-2020 §5.5.4)', () => {
  const pond = (sensors: SensorInfo[]): SiteDef =>
    site(sensors, {}, {
      kind: 'tailings_pond',
      tailings: { grade: 3, wet: true, headTop: true, evacuationLeadMinutes: 120 },
      items: [{ id: 'phreatic', name: '浸润线', kind: 'phreatic' }, { id: 'rainfall', name: '降雨量', kind: 'rainfall' }],
    });

  it('rolls up each item that has sensors into group item:{id}, and the items into group pond', () => {
    const p = sensor('p1', 'tailings_phreatic', { controlDepth: 5 }, { item: 'phreatic' });
    const rules = rulesForSite(pond([p]), ent('tailings'), null);
    expect(rules.map((r) => [r.id, r.target, r.params])).toEqual([
      ['tailings_pond.item.phreatic', { group: 'item:phreatic' }, { stage: 'item', item: 'phreatic' }],
      ['tailings_pond.pond', { group: 'pond' }, { stage: 'pond' }],
    ]);
    for (const r of rules) expect(r).toMatchObject({ kind: 'rollup', scope: 'site', version: PACK_VERSION, confidence: expect.any(String) });
  });

  it('adds nothing to a site that is not a pond, or a pond with no sensor in any item', () => {
    expect(rulesForSite(site([sensor('g', 'gas_combustible')]), ent(), null)).toEqual([]);
    expect(rulesForSite(pond([sensor('p1', 'tailings_phreatic')]), ent('tailings'), null)).toEqual([]);
  });

  it('takes overrides by site (e.g. a design ladder of 3-3-2) and ignores sensor-qualified ones', () => {
    const p = sensor('p1', 'tailings_phreatic', {}, { item: 'phreatic' });
    const o = ov(2, [
      { enterprise: 'e1', site: 's1', rule: 'tailings_pond.item.phreatic', params: { ladder: { blue: 3 } }, source: '设计院' },
      { enterprise: 'e1', sensor: 'p1', rule: 'tailings_pond.pond', disabled: true, source: 'x' },
    ]);
    const rules = rulesForSite(pond([p]), ent('tailings'), o);
    expect(rules.find((r) => r.id === 'tailings_pond.item.phreatic')).toMatchObject({ version: 2, params: { stage: 'item', item: 'phreatic', ladder: { blue: 3 } } });
    expect(rules.find((r) => r.id === 'tailings_pond.pond')).toBeDefined();
  });
});

describe('mergeParams', () => {
  const cases: { why: string; base: unknown; patch: unknown; out: unknown }[] = [
    { why: 'objects merge key by key', base: { a: 1, b: { c: 2, d: 3 } }, patch: { b: { d: 4 } }, out: { a: 1, b: { c: 2, d: 4 } } },
    { why: 'arrays are replaced, not merged (an override states the whole list)', base: { w: [1, 2] }, patch: { w: [3] }, out: { w: [3] } },
    { why: 'null deletes', base: { a: 1, b: 2 }, patch: { b: null }, out: { a: 1 } },
    { why: 'a new key is added', base: { a: 1 }, patch: { z: { y: 1 } }, out: { a: 1, z: { y: 1 } } },
  ];
  for (const c of cases) it(c.why, () => expect(mergeParams(c.base, c.patch)).toEqual(c.out));

  it('leaves its inputs untouched (packs and overrides are shared)', () => {
    const base = { b: { c: 2 } };
    const patch = { b: { c: 3 } };
    mergeParams(base, patch);
    expect(base).toEqual({ b: { c: 2 } });
    expect(patch).toEqual({ b: { c: 3 } });
  });
});
