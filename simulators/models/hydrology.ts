// Pond hydrology of one tailings site (domain.md §2.5 "Simulator dynamics"): one state shared by the
// site's level gauge, beach meter, phreatic wells and GNSS, so the quantities stay geometrically coupled.
//   level:  dL/dt = (routed catchment runoff + direct rain) / pond area − (L − L0)/τ_drain
//           (rises within hours of a storm, falls over days);
//   beach:  L_beach = L0_beach − (L − L0)/slope (slope ≈ 1 %: a 0.1 m rise shortens it by ~10 m);
//   phreatic drive: first-order lag (τ 2–10 d) of k_level·(L − L0) + k_rain·(infiltrated rain)
//                   (+ the rise of a blocked drainage, `drain_blocked` events).
// Stepped on a fixed 10-minute grid from a spin-up origin 30 days before the simulation's first sample,
// and memoised, so any time can be asked in any order and gets the same answer.
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../time.ts';
import type { Weather } from '../weather.ts';
import { num } from '../model.ts';
import type { DrainBlockedEvent } from '../events.ts';

export interface PondParams {
  /** Normal operating pond level (m, elevation): params `operatingLevel`. */
  level0: number;
  /** Beach slope (m/m), ≈ 0.01; the level gauge's `beachSlope` (docs/registry.md). */
  beachSlope: number;
  pondAreaM2: number;
  catchmentM2: number;
  /** Catchment runoff coefficient. */
  runoff: number;
  runoffTauH: number;
  drainTauD: number;
  infiltrationTauD: number;
  phreaticTauD: number;
  /** Phreatic rise per metre of pond rise, and per mm of infiltrated rain (m/mm). */
  phreaticLevelGain: number;
  phreaticRainGain: number;
}

export interface BeachGeometry {
  level0: number;
  /** Dry-beach length (m) when the pond stands at level0. */
  beachL0: number;
  /** Beach slope (m/m), ≈ 0.01 (S27: "一般在1%左右"). */
  beachSlope: number;
}

export interface Hydrology {
  readonly params: PondParams;
  /** Pond level, m. */
  level(tMs: number): number;
  /** Infiltrated rain store, mm. */
  infiltration(tMs: number): number;
  /** Lagged rise of the phreatic surface, m (a well's burial depth falls by gain × this). */
  phreaticRise(tMs: number): number;
  /** Rain since the spin-up origin, mm (drives the GNSS seasonal step). */
  rainSinceOrigin(tMs: number): number;
}

export const SPIN_UP_MS = 30 * DAY_MS;
const STEP_MS = 10 * MINUTE_MS;

export function pondParams(p: Readonly<Record<string, number | string | boolean>>): PondParams {
  return {
    level0: num(p, 'operatingLevel', num(p, 'level0', 1850)),
    beachSlope: num(p, 'beachSlope', 0.01),
    pondAreaM2: num(p, 'pondAreaM2', 150_000),
    catchmentM2: num(p, 'catchmentM2', 1_500_000),
    runoff: num(p, 'runoff', 0.5),
    runoffTauH: num(p, 'runoffTauH', 3),
    drainTauD: num(p, 'drainTauD', 4),
    infiltrationTauD: num(p, 'infiltrationTauD', 10),
    phreaticTauD: num(p, 'phreaticTauD', 4),
    phreaticLevelGain: num(p, 'phreaticLevelGain', 0.8),
    phreaticRainGain: num(p, 'phreaticRainGain', 0.01),
  };
}

/** The beach meter's geometry: params `normalLength` (m at the operating level), slope from the pond. */
export function beachGeometry(p: Readonly<Record<string, number | string | boolean>>, pond: PondParams): BeachGeometry {
  return { level0: pond.level0, beachL0: num(p, 'normalLength', num(p, 'beachL0', 150)), beachSlope: num(p, 'beachSlope', pond.beachSlope) };
}

/** Dry-beach length (m) for a pond level: the water's edge moves up the 1 % beach (domain.md §2.5). */
export function beachLength(level: number, g: BeachGeometry): number {
  return Math.max(0, g.beachL0 - (level - g.level0) / g.beachSlope);
}

export function createHydrology(weather: Weather, params: PondParams, originMs: number, blocked: readonly DrainBlockedEvent[] = []): Hydrology {
  const t0 = Math.floor((originMs - SPIN_UP_MS) / STEP_MS) * STEP_MS;
  // Grid state at t0 + i·STEP_MS.
  const level: number[] = [params.level0];
  const infil: number[] = [0];
  const phreatic: number[] = [0];
  const rainCum: number[] = [0];
  let runoffStore = 0; // mm over the catchment, routed through a linear reservoir

  const aRunoff = 1 - Math.exp(-STEP_MS / (params.runoffTauH * HOUR_MS));
  const aDrain = Math.exp(-STEP_MS / (params.drainTauD * DAY_MS));
  const aInfil = Math.exp(-STEP_MS / (params.infiltrationTauD * DAY_MS));
  const aPhreatic = Math.exp(-STEP_MS / (params.phreaticTauD * DAY_MS));

  function stepTo(i: number): void {
    while (level.length <= i) {
      const k = level.length - 1;
      const t = t0 + k * STEP_MS;
      const rain = weather.rainMm(t, t + STEP_MS);
      runoffStore += rain;
      const delivered = runoffStore * aRunoff;
      runoffStore -= delivered;
      const inflowM3 = (delivered / 1000) * params.catchmentM2 * params.runoff + (rain / 1000) * params.pondAreaM2;
      const raised = (level[k] as number) + inflowM3 / params.pondAreaM2;
      const L = params.level0 + (raised - params.level0) * aDrain;
      const I = (infil[k] as number) * aInfil + rain;
      let drive = params.phreaticLevelGain * (L - params.level0) + params.phreaticRainGain * I;
      for (const b of blocked) if (t >= b.at) drive += b.riseM;
      const P = drive + ((phreatic[k] as number) - drive) * aPhreatic;
      level.push(L);
      infil.push(I);
      phreatic.push(P);
      rainCum.push((rainCum[k] as number) + rain);
    }
  }

  function at(series: number[], tMs: number): number {
    const x = Math.max(0, (tMs - t0) / STEP_MS);
    const i = Math.floor(x);
    stepTo(i + 1);
    const a = series[i] as number;
    const b = series[i + 1] as number;
    return a + (b - a) * (x - i);
  }

  return {
    params,
    level: (t) => at(level, t),
    infiltration: (t) => at(infil, t),
    phreaticRise: (t) => at(phreatic, t),
    rainSinceOrigin: (t) => at(rainCum, t),
  };
}
