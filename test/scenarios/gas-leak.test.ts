// Scenario `gas-leak` end to end (issue 4 "Done when"): a combustible leak at one detector rises to a ~75 %LEL
// plateau (τ 120 s), its neighbours see later, weaker copies, and it is isolated 14 min into the run
// (simulators/scenarios/gas-leak.ts). The rows below are domain.md §2.1 (GB/T 50493-2019 §5.5.2 and the
// four-colour mapping) and contract.md "Alerts", not the engine's output.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transition } from '../../core/alert.ts';
import { sensorAlerts, startScenario, type ScenarioRun, expectWellFormed, alertsBy as alerts, atMs as ms, ups } from '../support/scenario.ts';

const MIN = 60_000;
/** The demo's rule overrides (the harness names no config file, so it would not find them beside it). */
const RULES_FILE = fileURLToPath(new URL('../../config/rules.yaml', import.meta.url));

const show = (a: readonly Transition[]) => a.map((t) => `${t.event}:${t.level}${t.nativeAlarm ? `(${t.nativeAlarm})` : ''} ${t.rule}`);

interface Step { level: Transition['level']; native?: string; why: string }
/** Whether `want` occurs in `got` as an ordered subsequence (level, and nativeAlarm where given). */
function hasSubsequence(got: readonly Transition[], want: readonly Step[]): boolean {
  let i = 0;
  for (const t of got) if (i < want.length && t.level === want[i]!.level && (want[i]!.native === undefined || t.nativeAlarm === want[i]!.native)) i++;
  return i === want.length;
}

/** The source detector's alert climbs through every colour (domain.md §2.1 four-colour mapping). */
const SOURCE_LADDER: Step[] = [
  { level: 'blue', why: 'domain.md §2.1 blue: ≥ 10 %LEL (the leak passes it within a minute; §2 on-delay 10–30 s)' },
  { level: 'yellow', native: '一级报警', why: 'GB/T 50493-2019 §5.5.2 一级 ≤ 25 %LEL → yellow, nativeAlarm the standard\'s grade (contract.md)' },
  { level: 'orange', native: '二级报警', why: 'GB/T 50493-2019 §5.5.2 二级 ≤ 50 %LEL → orange' },
  { level: 'red', why: 'domain.md §2.1 red: orange persisting > 5 min, or orange on ≥ 2 detectors in the same area' },
];

describe('scenario gas-leak (through the real broker, injected clock)', () => {
  let run: ScenarioRun;
  let source: string;
  let neighbours: string[];
  let leakAt: number;
  let isolateAt: number;
  let proc: (key: string) => Transition[][];

  beforeAll(async () => {
    run = await startScenario('gas-leak', { startIso: '2026-11-23T02:00:00Z', platform: { rules: { overridesFile: RULES_FILE } } });
    await run.runUntil(run.clock.now() + 30 * MIN, 10_000);
    const f = run.facts;
    source = f.leakSource!;
    neighbours = f.leakNeighbours!;
    leakAt = f.leakAtMs!;
    isolateAt = f.isolateAtMs!;
    proc = (key) => sensorAlerts(run.events, 'process', key);
  }, 240_000);
  afterAll(async () => { await run?.stop(); });

  it('raises one process alert at the source, after the leak starts (baseline 0–2 %LEL raises nothing, domain.md §2.1)', () => {
    const a = proc(source);
    expect(a.map(show)).toHaveLength(1);
    expect(a[0]![0]!.event).toBe('raised');
    expect(ms(a[0]![0]!)).toBeGreaterThanOrEqual(leakAt);
  });

  it('takes the source through blue → yellow (一级报警) → orange (二级报警) → red', () => {
    const a = proc(source)[0]!;
    expect(hasSubsequence(ups(a), SOURCE_LADDER), `${show(a).join(' → ')}\nwant ${SOURCE_LADDER.map((s) => s.level).join(' → ')}`).toBe(true);
  });

  it('turns the source red before it is isolated: orange from ≈ 2–3 min after the leak, isolation 12 min after it (domain.md §2.1 "orange persisting > 5 min")', () => {
    const red = proc(source)[0]!.find((t) => t.level === 'red' && (t.event === 'raised' || t.event === 'level_up'));
    expect(red, show(proc(source)[0]!).join(' → ')).toBeDefined();
    expect(ms(red!)).toBeLessThan(isolateAt);
  });

  it('recovers the source after isolation and keeps it open for a person to clear (contract.md "Per level": red stays open after recovery)', () => {
    const a = proc(source)[0]!;
    const rec = a.find((t) => t.event === 'recovered');
    expect(rec, show(a).join(' → ')).toBeDefined();
    expect(ms(rec!)).toBeGreaterThan(isolateAt);
    expect(a.some((t) => t.event === 'archived')).toBe(false);
    expect(a.at(-1)).toMatchObject({ condition: 'recovered', handling: 'open' });
  });

  it('raises every neighbour later than the source and at least to yellow 一级报警 (0.4–0.7 × 75 %LEL ≥ 25 %LEL, GB/T 50493 §5.5.2)', () => {
    const first = ms(proc(source)[0]![0]!);
    for (const n of neighbours) {
      const a = proc(n);
      expect(a.length, n).toBeGreaterThan(0);
      expect(ms(a[0]![0]!), n).toBeGreaterThanOrEqual(first);
      expect(a.flat().some((t) => t.level === 'yellow' && t.nativeAlarm === '一级报警'), `${n}: ${a.map(show).join(' | ')}`).toBe(true);
    }
  });

  it('turns a neighbour that reaches orange red as well: the source is orange then (domain.md §2.1 red "orange on ≥ 2 detectors in the same area")', () => {
    for (const n of neighbours) {
      for (const a of proc(n)) {
        const orange = a.findIndex((t) => t.level === 'orange' && (t.event === 'raised' || t.event === 'level_up'));
        if (orange < 0) continue;
        expect(a.slice(orange).some((t) => t.level === 'red' && t.event === 'level_up'), `${n}: ${show(a).join(' → ')}`).toBe(true);
      }
    }
  });

  it('recovers every detector of the leak by the end of the run (isolation: exponential decay τ 3 min, domain.md §2.1)', () => {
    for (const k of [source, ...neighbours]) for (const a of proc(k)) expect(a.at(-1)!.condition, `${k}: ${show(a).join(' → ')}`).toBe('recovered');
  });

  it('puts over-range only on the device track: a device alert 超量程 at a leak detector, never one elsewhere (domain.md §2 rule, §2.1 over-range)', () => {
    const dev = alerts(run.events, (t) => t.kind === 'device');
    for (const a of dev) {
      const key = `${a[0]!.enterpriseId}/${a[0]!.sensorId}`;
      expect([source, ...neighbours], `${key}: ${a[0]!.message}`).toContain(key);
      expect(a[0]!.message).toContain('超量程');
    }
  });

  it('keeps a detector\'s process alarm latched while it is over range: no fall, no recovery, no level decided by its own value rules (domain.md §2.1 "keep the alarm latched"; §2 quality ≠ ok never feeds process rules)', () => {
    for (const k of [source, ...neighbours]) {
      for (const d of sensorAlerts(run.events, 'device', k)) {
        const from = ms(d[0]!);
        const to = ms(d.find((t) => t.event === 'recovered') ?? d.at(-1)!);
        const inside = proc(k).flat().filter((t) => ms(t) > from && ms(t) < to && ['raised', 'level_up', 'level_down', 'recovered'].includes(t.event));
        for (const t of inside) {
          expect(t.event, `${k} ${t.event} ${t.level} ${t.rule} while over range`).toBe('level_up');
          expect(t.rule, `${k} ${t.event} ${t.level} while over range`).toMatch(/\.(same_area|orange_persisting)$/);
        }
      }
    }
  });

  it('raises nothing above blue on the process track anywhere else (domain.md §2: normal behaviour stays inside every band)', () => {
    const touched = new Set([source, ...neighbours]);
    const above = run.events.filter((t) => t.kind === 'process' && t.level !== 'blue' && !touched.has(`${t.enterpriseId}/${t.sensorId}`));
    expect(above.map((t) => `${t.enterpriseId}/${t.sensorId ?? '_site'} ${t.rule} ${t.level} ${t.message}`)).toEqual([]);
  });

  it('announces everything live (no retrospective alert) with well-formed events: versions +1 per alert, levelNo matching the level', () => {
    expect(run.events.filter((t) => t.retrospective).map((t) => `${t.sensorId} ${t.rule}`)).toEqual([]);
    expectWellFormed(run.events);
  });
});
