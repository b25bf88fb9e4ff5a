// Scenario `dust-fire` end to end (issue 4 "Done when"), simulators/scenarios/dust-fire.ts: sparks from +1 min,
// a smouldering hopper from +4 min at 2 °C/min (past 70 °C after ~20–25 min), the fire burns through the bags at
// +30 min (ΔP steps down 45 %), the operators trip the fan at +34 min (ΔP → 0), the fire is out at +45 min; the
// sugar mill is in season (榨季) and producing. The rows are domain.md §2.3 (AQ 4273-2016 §5.1.4 and the
// four-colour table) and contract.md "Alerts", not the engine's output.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transition } from '../../core/alert.ts';
import { sensorAlerts, startScenario, type ScenarioRun, expectWellFormed, atMs as ms, ups } from '../support/scenario.ts';

const MIN = 60_000;
/** The demo's rule overrides (the harness names no config file, so it would not find them beside it). */
const RULES_FILE = fileURLToPath(new URL('../../config/rules.yaml', import.meta.url));

const show = (a: readonly Transition[]) => a.map((t) => `${t.event}:${t.level}${t.nativeAlarm ? `(${t.nativeAlarm})` : ''} ${t.rule} ${t.value}`);

interface Step { level: Transition['level']; rule?: RegExp; why: string }
function hasSubsequence(got: readonly Transition[], want: readonly Step[]): boolean {
  let i = 0;
  for (const t of got) {
    const w = want[i];
    if (w && t.level === w.level && (!w.rule || w.rule.test(t.rule))) i++;
  }
  return i === want.length;
}

const SPARKS = ['cangyuan-sugar/dc1-spark', 'cangyuan-sugar/dc2-spark', 'cangyuan-sugar/dc3-spark'];

/** The hopper of the burning collector (sparks precede and accompany the smoulder). */
const HOPPER_LADDER: Step[] = [
  { level: 'blue', why: 'domain.md §2.3 hopper/inlet temperature blue ≥ 50 °C' },
  { level: 'yellow', why: 'domain.md §2.3 hopper temperature yellow ≥ 60 °C' },
  { level: 'red', rule: /\.spark_hot$/, why: 'domain.md §2.3 hopper temperature red: spark detected + ≥ 60 °C' },
];

describe('scenario dust-fire (through the real broker, injected clock)', () => {
  let run: ScenarioRun;
  let proc: (key: string) => Transition[][];

  beforeAll(async () => {
    run = await startScenario('dust-fire', { startIso: '2026-11-23T02:00:00Z', platform: { rules: { overridesFile: RULES_FILE } } });
    await run.runUntil(run.clock.now() + 46 * MIN, 10_000);
    proc = (key) => sensorAlerts(run.events, 'process', key);
  }, 240_000);
  afterAll(async () => { await run?.stop(); });

  it('burns in collector 1 of the sugar mill, which runs in season (scenario facts)', () => {
    expect(run.facts).toMatchObject({ hopper: 'cangyuan-sugar/dc1-temp', dp: 'cangyuan-sugar/dc1-dp' });
  });

  it('takes the hopper through blue (50 °C) → yellow (60 °C) → red (spark + ≥ 60 °C), red before the 70 °C AQ 4273 alarm value', () => {
    const a = proc(run.facts.hopper!);
    expect(a.map((x) => show(x))).toHaveLength(1);
    expect(hasSubsequence(ups(a[0]!), HOPPER_LADDER), show(a[0]!).join(' → ')).toBe(true);
    const red = ups(a[0]!).find((t) => t.level === 'red')!;
    expect(red.value).toBeGreaterThanOrEqual(58);
    expect(red.value).toBeLessThan(70);
  });

  it('holds the hopper red while the fire burns: sparks keep coming and the temperature keeps rising (domain.md §2.3)', () => {
    const a = proc(run.facts.hopper!)[0]!;
    const red = a.findIndex((t) => t.level === 'red' && (t.event === 'raised' || t.event === 'level_up'));
    const fireOut = run.facts.smoulderAtMs! + 41 * MIN;
    const down = a.slice(red).filter((t) => (t.event === 'level_down' || t.event === 'recovered') && ms(t) < fireOut);
    expect(show(down)).toEqual([]);
  });

  it('alarms the bag burst on ΔP as orange before the fan trip: a sudden drop > 40 % of the baseline (domain.md §2.3 ΔP orange)', () => {
    const a = proc(run.facts.dp!);
    expect(a.length).toBe(1);
    const orange = ups(a[0]!).find((t) => t.level === 'orange');
    expect(orange, show(a[0]!).join(' → ')).toBeDefined();
    expect(ms(orange!)).toBeGreaterThan(run.facts.burstAtMs!);
    expect(ms(orange!)).toBeLessThan(run.facts.tripAtMs!);
  });

  it('turns ΔP red after the fan trip: ΔP ≈ 0 while the production line draws power (domain.md §2.3 ΔP red)', () => {
    const a = proc(run.facts.dp!)[0]!;
    const red = ups(a).find((t) => t.level === 'red');
    expect(red, show(a).join(' → ')).toMatchObject({ rule: 'dust_dp.collector_off' });
    expect(ms(red!)).toBeGreaterThan(run.facts.tripAtMs!);
  });

  it('keeps each spark detector on one alert for the whole fire: blue from its first spark (1/h), yellow once sparks pile up (≥ 3/h), no recovery while they continue (domain.md §2.3 spark detector)', () => {
    // The smoulder's sparks reach every spark detector of the site (simulators/scenarios/dust-fire.ts), 3/min.
    for (const k of SPARKS) {
      const a = proc(k);
      expect(a.map((x) => show(x).join(' → ')), k).toHaveLength(1);
      expect(a[0]![0]!, k).toMatchObject({ event: 'raised', level: 'blue' });
      expect(ms(a[0]![0]!), k).toBeGreaterThanOrEqual(run.facts.sparksFromMs!);
      expect(a[0]!.some((t) => t.level === 'yellow'), `${k}: ${show(a[0]!).join(' → ')}`).toBe(true);
      expect(a[0]!.some((t) => t.event === 'recovered' || t.event === 'level_down'), `${k}: ${show(a[0]!).join(' → ')}`).toBe(false);
    }
  });

  it('raises nothing above blue anywhere but the burning collector\'s hopper and ΔP and the spark detectors, and nothing on the device track', () => {
    const touched = new Set([run.facts.hopper!, run.facts.dp!, ...SPARKS]);
    const above = run.events.filter((t) => t.kind === 'process' && t.level !== 'blue' && !touched.has(`${t.enterpriseId}/${t.sensorId}`));
    expect(above.map((t) => `${t.enterpriseId}/${t.sensorId ?? '_site'} ${t.rule} ${t.level}`)).toEqual([]);
    expect(run.events.filter((t) => t.kind === 'device').map((t) => `${t.enterpriseId}/${t.sensorId} ${t.message}`)).toEqual([]);
  });

  it('announces everything live with well-formed events: versions +1 per alert, levelNo matching the level', () => {
    expect(run.events.filter((t) => t.retrospective).map((t) => `${t.sensorId} ${t.rule}`)).toEqual([]);
    expectWellFormed(run.events);
  });
});
