// Pre-failure accelerating creep (domain.md §2.5: "velocity grows hyperbolically, inverse velocity falls
// linearly to zero at failure"; Fukuzono's inverse-velocity method). With v(t) = A/(t_f − t):
//   displacement since onset  u(t) = A·ln((t_f − t_on)/(t_f − t)),   1/v = (t_f − t)/A.
// A is in mm, time in days, so v is in mm/d. The instant of failure itself is singular: the model stops
// one minute short of it (after that the instrument is gone).
import { DAY_MS, MINUTE_MS } from '../time.ts';

export const CREEP_CUTOFF_MS = MINUTE_MS;

export function creepVelocityMmPerDay(tMs: number, failureMs: number, amplitudeMm: number): number {
  const daysLeft = Math.max(CREEP_CUTOFF_MS, failureMs - tMs) / DAY_MS;
  return amplitudeMm / daysLeft;
}

export function creepDisplacementMm(tMs: number, onsetMs: number, failureMs: number, amplitudeMm: number): number {
  if (tMs <= onsetMs) return 0;
  const t = Math.min(tMs, failureMs - CREEP_CUTOFF_MS);
  return amplitudeMm * Math.log((failureMs - onsetMs) / (failureMs - t));
}
