// Production load profiles in Beijing time (domain.md §2.4.1 "Simulator"): the expected fraction of a
// plant's rated power, before noise. Shared by the power meter, the residual-current and cable sensors
// fed from it, and the dust collectors (which run while production runs).
//  - day_shift: idle before 07:30, ramp 07:30–08:30, lunch dip 12:00–13:00, ramp down 17:30–19:00;
//  - two_shift: the same morning, a dinner dip 17:30–18:30, ramp down 23:00–24:00;
//  - weekends run at 20–60 % of peak; idle base 5–15 %;
//  - continuous (chemicals, kilns, smelters): flat 70–95 %;
//  - seasonal: continuous in season (sugar 榨季 11-01…04-30 by default), idle out of it.
// Statutory holidays and 调休 swaps are not modelled.
import { Rng, seedOf } from '../rng.ts';
import { beijing, beijingHour, beijingWeekday, inSeason } from '../time.ts';
import { str } from '../model.ts';

export const PROFILES = ['day_shift', 'two_shift', 'continuous', 'seasonal'] as const;
export type Profile = (typeof PROFILES)[number];

export interface LoadShape {
  profile: Profile;
  idle: number;
  weekend: number;
  continuous: number;
  season: { from: string; to: string } | null;
}

const SEASONS: Record<string, { from: string; to: string }> = {
  sugar: { from: '11-01', to: '04-30' },
  tea: { from: '03-01', to: '05-31' },
};

type Params = Readonly<Record<string, number | string | boolean>>;

/** The season window from params `season` (+ `seasonFrom`, `seasonTo`), or null (always in season). */
export function seasonOf(p: Params): { from: string; to: string } | null {
  const name = str(p, 'season', '');
  const from = str(p, 'seasonFrom', '');
  const to = str(p, 'seasonTo', '');
  if (from && to) return { from, to };
  return SEASONS[name] ?? null;
}

export function inSeasonAt(season: { from: string; to: string } | null, tMs: number): boolean {
  return season === null || inSeason(beijing(tMs).mmdd, season.from, season.to);
}

/** The plant's load shape: params `profile` plus per-plant levels drawn from (seed, label). */
export function loadShape(p: Params, seed: number, label: string): LoadShape {
  const rng = new Rng(seedOf(seed, label, 'load-shape'));
  const raw = str(p, 'profile', 'day_shift');
  const profile: Profile = (PROFILES as readonly string[]).includes(raw) ? (raw as Profile) : 'day_shift';
  return {
    profile,
    idle: rng.uniform(0.05, 0.15),
    weekend: rng.uniform(0.2, 0.6),
    continuous: rng.uniform(0.75, 0.92),
    season: seasonOf(p) ?? (profile === 'seasonal' ? (SEASONS.sugar as { from: string; to: string }) : null),
  };
}

const lerp = (a: number, b: number, x: number) => a + (b - a) * Math.max(0, Math.min(1, x));

/** Weekday shape, 0 (idle) … 1 (peak), at a Beijing hour. */
function shiftShape(profile: 'day_shift' | 'two_shift', h: number): number {
  if (h < 7.5) return 0;
  if (h < 8.5) return lerp(0, 1, h - 7.5);
  if (h >= 12 && h < 13) return 0.55;
  if (profile === 'day_shift') {
    if (h < 17.5) return 1;
    if (h < 19) return lerp(1, 0, (h - 17.5) / 1.5);
    return 0;
  }
  if (h >= 17.5 && h < 18.5) return 0.65;
  if (h < 23) return 1;
  return lerp(1, 0, h - 23);
}

/** Expected fraction of rated power at t. */
export function loadFraction(shape: LoadShape, tMs: number): number {
  switch (shape.profile) {
    case 'continuous':
    case 'seasonal':
      return inSeasonAt(shape.season, tMs) ? shape.continuous : shape.idle;
    default: {
      if (!inSeasonAt(shape.season, tMs)) return shape.idle;
      const s = shiftShape(shape.profile, beijingHour(tMs));
      const wd = beijingWeekday(tMs);
      const peak = wd === 0 || wd === 6 ? shape.weekend : 1;
      return shape.idle + (peak - shape.idle) * s;
    }
  }
}

/** Whether the line is producing (drives dust collectors): in season, and for shift plants past the
 * middle of the morning ramp and before the middle of the evening one (weekends included, at reduced load). */
export function productionOn(shape: LoadShape, tMs: number): boolean {
  if (!inSeasonAt(shape.season, tMs)) return false;
  if (shape.profile === 'continuous' || shape.profile === 'seasonal') return true;
  return shiftShape(shape.profile, beijingHour(tMs)) >= 0.5;
}
