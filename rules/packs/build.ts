// Small helpers the packs share: reading design values from a sensor's free-form params (docs/registry.md
// "Params conventions"), and building ordered step ladders. Pure.
import type { LevelName } from '../../core/level.ts';
import type { StepSpec, StepsSpec } from './types.ts';

/** A finite number from free-form params (numbers, or numeric strings from hand-written YAML); else undefined. */
export function num(params: Readonly<Record<string, unknown>> | undefined, key: string): number | undefined {
  const v = params?.[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function str(params: Readonly<Record<string, unknown>> | undefined, key: string): string | undefined {
  const v = params?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Rounds away binary noise from derived thresholds (1.1 × 5.0 → 5.5, not 5.500000000000001). */
export function r(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

const ORDER: readonly LevelName[] = ['blue', 'yellow', 'orange', 'red'];

/**
 * Keeps a ladder ordered: a rising ladder's enter values must not decrease from blue to red (a falling one's
 * must not increase). Equal values are allowed (the higher level wins, e.g. methane T2 alarm = cut-power →
 * orange). A lower step that would sit beyond a higher one is dropped: it could never be seen first, and would
 * only mislabel the level (e.g. a 0.8 % methane pre-alarm at a 0.5 % intake location).
 */
export function ordered(steps: StepsSpec, direction: 'rising' | 'falling'): StepsSpec {
  const out: StepsSpec = {};
  let bound = direction === 'rising' ? Infinity : -Infinity;
  for (let i = ORDER.length - 1; i >= 0; i--) {
    const name = ORDER[i]!;
    const s = steps[name];
    if (!s) continue;
    const ok = direction === 'rising' ? s.enter <= bound : s.enter >= bound;
    if (!ok) continue;
    out[name] = s;
    bound = s.enter;
  }
  // Re-insert in blue → red order so printed params read naturally.
  const sorted: StepsSpec = {};
  for (const name of ORDER) if (out[name]) sorted[name] = out[name];
  return sorted;
}

/** A step whose clear value sits `deadband` inside the enter value (below for rising, above for falling). */
export function step(enter: number, deadband: number, direction: 'rising' | 'falling', extra: Omit<StepSpec, 'enter' | 'clear'> = {}): StepSpec {
  const clear = direction === 'rising' ? enter - deadband : enter + deadband;
  return { enter: r(enter), clear: r(clear), ...extra };
}
