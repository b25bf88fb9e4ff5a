// Combustible and toxic gas packs, domain.md §2.1 (GB/T 50493-2019 §5.5.2 and its annex table).
// The standard has two grades (一级/二级 报警); the four-colour mapping is a platform decision [PROPOSAL]:
// blue = trend, yellow = 一级, orange = 二级, red = orange persisting > 5 min / on ≥ 2 detectors / ≥ 10 % IDLH
// (the first two are composites on the sensor's own orange level: rules `orange_persisting` and `same_area`).
// A sensor's `alarm1` / `alarm2` (docs/registry.md) are the plant's own settings and win over the maxima.
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import { num, ordered, step } from './build.ts';
import { orangePersisting, sameAreaOrange } from './composites.ts';
import type { PackRule, RateSpec, StepsSpec, ThresholdSpec } from './types.ts';

const CLAUSE_50493 = 'GB/T 50493-2019 §5.5.2';

/** domain.md §2 general conventions: "a 10–30 s persistence for gas" [PROPOSAL]; the higher grade acts sooner. */
const ENTER_S_LOW = 30;
const ENTER_S_HIGH = 10;
/** domain.md §2.1 red: "orange persisting > 5 min". */
const PERSIST_RED_S = 300;
/** Off-delay of every colour [PROPOSAL]: a colour is left only once its clear condition has held 60 s. A leak
 * plume carries lognormal turbulence σ_ln ≈ 0.3 with 5–30 s correlation (domain.md §2.1 "Incident dynamics"):
 * at a 75 %LEL plateau single readings dip to 35–45 %LEL for 10–20 s, far past any deadband that still clears
 * at the ±0.5 %LEL baseline noise, and without a hold the 二级报警 fell to 一级 and back on every dip (each a
 * level_down/level_up event), which also restarted "orange persisting > 5 min". Twice the longest correlation
 * time rides through a dip; a real fall still clears a minute later. */
const EXIT_S = 60;

/** Other detectors of the same type in the anchor's area (domain.md §2.1 "≥ 2 detectors in the same area"). */
export function sameAreaPeers(s: SensorInfo, site: SiteDef): string[] {
  if (!s.area) return [];
  return site.sensors.filter((o) => o.id !== s.id && o.type === s.type && o.area === s.area).map((o) => o.id);
}

// ---- combustible (%LEL) ----

/** GB/T 50493-2019 §5.5.2: level 1 ≤ 25 %LEL, level 2 ≤ 50 %LEL (maximum settings). */
const LEL_ALARM1 = 25;
const LEL_ALARM2 = 50;
/** domain.md §2.1 blue "≥ 10 %LEL" [PROPOSAL; the older GB 6222 low alarm, S30 PRACTICE]. */
const LEL_BLUE = 10;
/** Deadband [PROPOSAL]: 2 %LEL, above the ±0.3–0.5 %LEL noise and the 1 %LEL quantisation (domain.md §2.1). */
const LEL_DEADBAND = 2;

function lelLevels(s: SensorInfo): { a1: number; a2: number; design: boolean } {
  const a1 = num(s.params, 'alarm1');
  const a2 = num(s.params, 'alarm2');
  return { a1: a1 ?? LEL_ALARM1, a2: a2 ?? LEL_ALARM2, design: a1 !== undefined || a2 !== undefined };
}

export const gasCombustible: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const { a1, a2, design } = lelLevels(s);
      // A plant that sets level 1 at or below 10 %LEL (GB 6222 practice) gets its blue at half of it.
      const blue = Math.min(LEL_BLUE, a1 / 2);
      // Red is not a value step: it is orange persisting (rule `orange_persisting`) or on 2 detectors (`same_area`).
      const levels: StepsSpec = {
        blue: step(blue, LEL_DEADBAND, 'rising', { enterS: ENTER_S_LOW, exitS: EXIT_S }),
        yellow: step(a1, LEL_DEADBAND, 'rising', { enterS: ENTER_S_LOW, exitS: EXIT_S, native: '一级报警' }),
        orange: step(a2, LEL_DEADBAND, 'rising', { enterS: ENTER_S_HIGH, exitS: EXIT_S, native: '二级报警' }),
      };
      const params: ThresholdSpec = { direction: 'rising', levels: ordered(levels, 'rising') };
      return { params, design };
    },
    source: 'GB/T 50493-2019 §5.5.2 (一级 ≤ 25 %LEL, 二级 ≤ 50 %LEL; sensor alarm1/alarm2 when set); colours, blue 10 %LEL, deadband, on-delay and off-delay: domain.md §2.1 [PROPOSAL]',
    clause: CLAUSE_50493,
    confidence: 'STD-verified',
  },
  {
    id: 'rise',
    kind: 'rate',
    params: () => {
      // domain.md §2.1 blue: "rising ≥ 5 %LEL in 5 min" (leak onset, τ 30–300 s).
      const params: RateSpec = {
        windowS: 300,
        perS: 300,
        minSamples: 3,
        minSpanS: 120,
        filter: 'none',
        direction: 'rising',
        levels: { blue: { enter: 5, clear: 3 } },
      };
      return { params, design: false };
    },
    source: 'domain.md §2.1 blue: rising ≥ 5 %LEL in 5 min',
    clause: null,
    confidence: 'PROPOSAL',
  },
  ...redComposites((s) => lelLevels(s).design, ''),
];

/** domain.md §2.1 red, the same for combustible and toxic gas: orange persisting > 5 min, or orange on ≥ 2
 * detectors of one area (the latter only where the detector has a same-type peer in its area). */
function redComposites(design: (s: SensorInfo) => boolean, which: string): PackRule[] {
  return [
    {
      id: 'orange_persisting',
      kind: 'composite',
      params: (s) => ({ params: orangePersisting(PERSIST_RED_S), design: design(s) }),
      source: `domain.md §2.1 red${which}: orange (二级报警) persisting > 5 min`,
      clause: null,
      confidence: 'PROPOSAL',
      target: 'self',
    },
    {
      id: 'same_area',
      kind: 'composite',
      params: (s, site) => (sameAreaPeers(s, site).length === 0 ? null : { params: sameAreaOrange(), design: design(s) }),
      source: `domain.md §2.1 red${which}: orange (二级报警) on ≥ 2 detectors in the same area`,
      clause: null,
      confidence: 'PROPOSAL',
      target: 'self',
    },
  ];
}

// ---- toxic (ppm) ----

/** ppm = mg/m³ × 24.45 / MW at 25 °C and 101.3 kPa (domain.md §2.1). */
export function mgToPpm(mg: number, mw: number): number {
  return (mg * 24.45) / mw;
}

interface ToxicGas {
  zh: string;
  mw: number;
  /** AL / AH as the domain.md §2.1 table's ppm column (GB/T 50493-2019 annex, mg/m³ converted). */
  alPpm: number;
  ahPpm: number;
  idlhMg: number;
}

/** GB/T 50493-2019 annex table as reproduced in domain.md §2.1 [STD-verified, medium: garbled page]. */
export const TOXIC: Readonly<Record<'gas_h2s' | 'gas_co' | 'gas_nh3' | 'gas_cl2', ToxicGas>> = {
  gas_h2s: { zh: '硫化氢', mw: 34.08, alPpm: 7, ahPpm: 14, idlhMg: 430 },
  gas_co: { zh: '一氧化碳', mw: 28.01, alPpm: 17, ahPpm: 35, idlhMg: 1700 },
  gas_nh3: { zh: '氨', mw: 17.03, alPpm: 29, ahPpm: 57, idlhMg: 360 },
  gas_cl2: { zh: '氯气', mw: 70.9, alPpm: 0.35, ahPpm: 0.7, idlhMg: 88 },
};

/** 10 % of IDLH in ppm, 3 significant digits (H₂S 30.8, CO 148, NH₃ 51.7, Cl₂ 3.03). */
export function tenPercentIdlhPpm(g: ToxicGas): number {
  return Number((mgToPpm(g.idlhMg, g.mw) / 10).toPrecision(3));
}

function toxicLevels(s: SensorInfo, g: ToxicGas): { al: number; ah: number; design: boolean } {
  const a1 = num(s.params, 'alarm1');
  const a2 = num(s.params, 'alarm2');
  return { al: a1 ?? g.alPpm, ah: a2 ?? g.ahPpm, design: a1 !== undefined || a2 !== undefined };
}

function toxicPack(type: keyof typeof TOXIC): PackRule[] {
  const g = TOXIC[type];
  return [
    {
      id: 'threshold',
      kind: 'threshold',
      params: (s) => {
        const { al, ah, design } = toxicLevels(s, g);
        // Deadband [PROPOSAL]: 10 % of AL.
        const db = al / 10;
        const levels: StepsSpec = {
          blue: step(al / 2, db, 'rising', { enterS: ENTER_S_LOW, exitS: EXIT_S }),
          yellow: step(al, db, 'rising', { enterS: ENTER_S_LOW, exitS: EXIT_S, native: '一级报警' }),
          orange: step(ah, db, 'rising', { enterS: ENTER_S_HIGH, exitS: EXIT_S, native: '二级报警' }),
        };
        const params: ThresholdSpec = { direction: 'rising', levels: ordered(levels, 'rising') };
        return { params, design };
      },
      source: `GB/T 50493-2019 §5.5.2 and annex table (${g.zh} AL ${g.alPpm} / AH ${g.ahPpm} ppm = 100 % / 200 % OEL; sensor alarm1/alarm2 when set); colours, blue 50 % of AL, deadband, on-delay and off-delay: domain.md §2.1 [PROPOSAL]`,
      clause: CLAUSE_50493,
      confidence: 'STD-verified',
    },
    {
      id: 'idlh',
      kind: 'threshold',
      params: (s) => {
        const { ah } = toxicLevels(s, g);
        const red = tenPercentIdlhPpm(g);
        // NH₃: 10 % IDLH (51.7 ppm) is below AH (57 ppm); a red below orange would skip orange, so this rule
        // applies only where 10 % IDLH is above the orange value (red then comes from persistence / 2 detectors).
        if (red <= ah) return null;
        const params: ThresholdSpec = { direction: 'rising', levels: { red: step(red, red / 20, 'rising', { enterS: ENTER_S_HIGH }) } };
        return { params, design: false };
      },
      source: `domain.md §2.1 red: ≥ 10 % IDLH (${g.zh} IDLH ${g.idlhMg} mg/m³ from the GB/T 50493-2019 annex table, converted at 25 °C)`,
      clause: 'GB/T 50493-2019 annex (IDLH)',
      confidence: 'PROPOSAL',
    },
    ...redComposites((s) => toxicLevels(s, g).design, ' (toxic: "same logic")'),
  ];
}

export const gasH2s = toxicPack('gas_h2s');
export const gasCo = toxicPack('gas_co');
export const gasNh3 = toxicPack('gas_nh3');
export const gasCl2 = toxicPack('gas_cl2');

// ---- oxygen (%vol), a band ----

/** GB/T 50493-2019 §5.5.2: under-oxygen 19.5 %vol, over-oxygen 23.5 %vol. */
const O2_LOW = 19.5;
const O2_HIGH = 23.5;
/** Deadband [PROPOSAL]: 0.2 %vol (normal 20.9, sensors quantise to 0.1). */
const O2_DEADBAND = 0.2;

export const gasO2: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const low = num(s.params, 'low');
      const high = num(s.params, 'high');
      const lowSide: StepsSpec = {
        blue: step(20.0, O2_DEADBAND, 'falling', { enterS: ENTER_S_LOW }),
        yellow: step(low ?? O2_LOW, O2_DEADBAND, 'falling', { enterS: ENTER_S_LOW, native: '欠氧报警' }),
        orange: step(18.0, O2_DEADBAND, 'falling', { enterS: ENTER_S_HIGH }),
        red: step(16.0, O2_DEADBAND, 'falling', { enterS: ENTER_S_HIGH }),
      };
      const highSide: StepsSpec = { yellow: step(high ?? O2_HIGH, O2_DEADBAND, 'rising', { enterS: ENTER_S_LOW, native: '过氧报警' }) };
      const params: ThresholdSpec = { direction: 'band', levels: highSide, low: ordered(lowSide, 'falling') };
      return { params, design: low !== undefined || high !== undefined };
    },
    source: 'GB/T 50493-2019 §5.5.2 (under-oxygen 19.5, over-oxygen 23.5 %vol; sensor low/high when set); colours blue < 20.0, orange < 18.0, red < 16: domain.md §2.1 [PROPOSAL]',
    clause: CLAUSE_50493,
    confidence: 'STD-verified',
  },
];
