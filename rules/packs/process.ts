// Hazchem process points, domain.md §2.6: thresholds are the plant's DCS/SIS setpoints (H/HH/L/LL), entered per
// point by the enterprise (sensor params). The platform defaults are for simulation only [PROPOSAL]: level
// H 85 %, HH 90 %, L 10 %, LL 5 % of the tank height; pressure H 90 %, HH 95 % of design; temperature "per
// medium" (no default: without setpoints the point has no value rule). Colours [PROPOSAL], as for the two-grade
// gas standard: H / L = yellow (高报/低报), HH / LL = orange (高高报/低低报); no blue or red from a setpoint.
import { num, ordered, r, step } from './build.ts';
import type { PackRule, StepsSpec, ThresholdSpec } from './types.ts';

const SRC_26 = 'domain.md §2.6 (DCS/SIS setpoints H/HH/L/LL entered per point; defaults for simulation only)';

export const tankLevel: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const h = num(s.params, 'height');
      const H = num(s.params, 'high');
      const HH = num(s.params, 'highHigh');
      const L = num(s.params, 'low');
      const LL = num(s.params, 'lowLow');
      if (h === undefined && (H === undefined || HH === undefined || L === undefined || LL === undefined)) return null;
      const of = (k: number) => r((h ?? 0) * k);
      // Deadband 1 % of the height (or of HH when no height is given).
      const db = r((h ?? HH ?? 1) * 0.01);
      const high: StepsSpec = ordered({
        yellow: step(H ?? of(0.85), db, 'rising', { native: '高报(H)' }),
        orange: step(HH ?? of(0.9), db, 'rising', { native: '高高报(HH)' }),
      }, 'rising');
      const low: StepsSpec = ordered({
        yellow: step(L ?? of(0.1), db, 'falling', { native: '低报(L)' }),
        orange: step(LL ?? of(0.05), db, 'falling', { native: '低低报(LL)' }),
      }, 'falling');
      const params: ThresholdSpec = { direction: 'band', levels: high, low };
      return { params, design: H !== undefined || HH !== undefined || L !== undefined || LL !== undefined };
    },
    source: `${SRC_26}: sensor high/highHigh/low/lowLow, else 85/90/10/5 % of height`,
    clause: null,
    confidence: 'PROPOSAL',
    designExpected: true,
  },
];

export const processPressure: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const design = num(s.params, 'design');
      const H = num(s.params, 'high');
      const HH = num(s.params, 'highHigh');
      if (design === undefined && (H === undefined || HH === undefined)) return null;
      const db = r((design ?? HH ?? 1) * 0.01);
      const levels: StepsSpec = ordered({
        yellow: step(H ?? r(design! * 0.9), db, 'rising', { native: '高报(H)' }),
        orange: step(HH ?? r(design! * 0.95), db, 'rising', { native: '高高报(HH)' }),
      }, 'rising');
      const params: ThresholdSpec = { direction: 'rising', levels };
      // Only the plant's own H/HH setpoints are design values; 90 / 95 % of the design pressure is the default.
      return { params, design: H !== undefined || HH !== undefined };
    },
    source: `${SRC_26}: sensor high/highHigh, else H 90 %, HH 95 % of the design pressure (sensor design)`,
    clause: null,
    confidence: 'PROPOSAL',
    designExpected: true,
  },
];

export const processTemp: PackRule[] = [
  {
    id: 'threshold',
    kind: 'threshold',
    params: (s) => {
      const H = num(s.params, 'high');
      const HH = num(s.params, 'highHigh');
      // "Temperature per medium": no platform default.
      if (H === undefined && HH === undefined) return null;
      const db = r(Math.abs(HH ?? H!) * 0.01);
      const levels: StepsSpec = {};
      if (H !== undefined) levels.yellow = step(H, db, 'rising', { native: '高报(H)' });
      if (HH !== undefined) levels.orange = step(HH, db, 'rising', { native: '高高报(HH)' });
      const params: ThresholdSpec = { direction: 'rising', levels: ordered(levels, 'rising') };
      return { params, design: true };
    },
    source: `${SRC_26}: sensor high/highHigh (no default: temperature limits depend on the medium)`,
    clause: null,
    confidence: 'PROPOSAL',
    designExpected: true,
  },
];
