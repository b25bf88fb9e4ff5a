import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { RegistrySchema } from '../../core/registry.ts';
import { runScenario } from '../testkit.ts';
import { MINUTE_MS } from '../time.ts';
import { SHOWCASE_CUT_POWER_AFTER_MS } from './showcase.ts';

const DEMO = RegistrySchema.parse(parse(readFileSync(new URL('../../config/demo.yaml', import.meta.url), 'utf8')));

describe('showcase scenario: incidents in force at the start', () => {
  const run = runScenario({ registry: DEMO, scenario: 'showcase', liveMs: 3 * MINUTE_MS, seed: 20261122 });
  const f = run.plan.facts;
  const at = (k: string, from: number, to: number) => run.of(k).filter((r) => r.ts >= run.startMs + from && r.ts < run.startMs + to);
  const fault = (name: string) => f.faults!.find((x) => x.fault === name)!.sensor;

  it('stops the heading fan before the start; the face is past its alarm value at the start and below cut-power (1.5 %)', () => {
    expect(f.fanStopAtMs).toBeLessThan(run.startMs - MINUTE_MS);
    const face = f.heading!.find((k) => k.endsWith('-face'))!;
    const last = at(face, -30_000, 0).map((r) => r.values.ch4 as number);
    expect(last.length).toBeGreaterThan(0);
    for (const v of last) expect(v).toBeGreaterThan(1.0);
    expect(Math.max(...at(face, -10 * MINUTE_MS, 1).map((r) => r.values.ch4 as number))).toBeLessThan(1.4);
    // … and reaches it about a minute into the live phase.
    const first = at(face, 0, 3 * MINUTE_MS).find((r) => (r.values.ch4 as number) >= 1.5)!;
    expect(first.ts - run.startMs).toBeGreaterThan(SHOWCASE_CUT_POWER_AFTER_MS - 30_000);
    expect(first.ts - run.startMs).toBeLessThan(SHOWCASE_CUT_POWER_AFTER_MS + 30_000);
  });

  it('holds a second heading\'s face in the pre-alarm band (blue: 0.8–1.0 % at a 1.0 % alarm point) at the start, falling after', () => {
    const p = f.preAlarm!;
    expect(p.restartAtMs).toBe(run.startMs); // why: the fan runs again at the start, so its own alert is history
    expect(p.stopAtMs).toBeLessThan(run.startMs - 5 * MINUTE_MS);
    const ch4 = (from: number, to: number) => at(p.face, from, to).map((r) => r.values.ch4 as number);
    const first = ch4(0, MINUTE_MS)[0]!;
    expect(first).toBeGreaterThanOrEqual(0.8);
    expect(first).toBeLessThan(1.0);
    // Blue's 30 s on-delay is served before the start: the last half minute of history is in the band on average.
    const last = ch4(-30_000, 0);
    expect(last.reduce((x, y) => x + y, 0) / last.length).toBeGreaterThan(0.82);
    expect(Math.max(...ch4(-10 * MINUTE_MS, 3 * MINUTE_MS))).toBeLessThan(1.0); // why: never the alarm value (yellow)
    expect(Math.max(...ch4(2 * MINUTE_MS, 3 * MINUTE_MS))).toBeLessThan(first); // the fan runs again: falling
  });

  it('calibrates a combustible detector an hour before the start (history only)', () => {
    const rs = run.of(fault('calibration'));
    expect(rs.filter((r) => r.quality === 'calibrating').every((r) => r.ts < run.startMs - 50 * MINUTE_MS)).toBe(true);
    expect(rs.some((r) => r.quality === 'calibrating')).toBe(true);
  });

  it('reports a gas sensor comm_lost across the start', () => {
    const rs = at(fault('comm_lost'), -MINUTE_MS, MINUTE_MS);
    expect(rs.length).toBeGreaterThan(0);
    expect(rs.every((r) => r.quality === 'comm_lost')).toBe(true);
  });

  it('keeps the dam-failure chain', () => {
    expect(f.site).toBeDefined();
    expect(f.failureTimeMs).toBe(run.startMs + 3 * 3_600_000);
  });

  it('picks the same sensors whatever order the registry lists them in', () => {
    const reversed = { ...DEMO, enterprises: [...DEMO.enterprises].reverse() };
    const other = runScenario({ registry: reversed, scenario: 'showcase', liveMs: 0, seed: 20261122 }).plan.facts;
    expect(other).toEqual(f);
  });
});
