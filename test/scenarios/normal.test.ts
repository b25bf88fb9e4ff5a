// Scenario `normal` end to end (issue 4 "Done when"): no incidents → nothing above blue on the process
// track (domain.md §2: normal behaviour stays inside every four-colour band), and no retrospective alert.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, type ScenarioRun, expectWellFormed } from '../support/scenario.ts';

describe('scenario normal (through the real broker, injected clock)', () => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await startScenario('normal', { startIso: '2026-11-23T02:00:00Z' });
    await run.runUntil(run.clock.now() + 60 * 60_000, 20_000);
  }, 240_000);
  afterAll(async () => { await run?.stop(); });

  it('raises nothing above blue on the process track in an hour of normal plant time', () => {
    const above = run.events.filter((t) => t.kind === 'process' && t.level !== 'blue');
    expect(above.map((t) => `${t.enterpriseId}/${t.sensorId} ${t.rule} ${t.level} ${t.message}`)).toEqual([]);
  });

  it('every event is well formed: versions +1 per alert, levelNo matches the level (red = 1)', () => {
    expectWellFormed(run.events);
  });
});
