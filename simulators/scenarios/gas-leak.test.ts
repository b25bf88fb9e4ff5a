import { describe, it, expect } from 'vitest';
import { runScenario, mean } from '../testkit.ts';
import { syntheticRegistry } from '../synthetic.ts';
import { MINUTE_MS } from '../time.ts';

const REGISTRY = syntheticRegistry({ sensors: 60, devices: 6 });

describe('gas-leak scenario (domain.md §2.1)', () => {
  const run = runScenario({ registry: REGISTRY, scenario: 'gas-leak', liveMs: 30 * MINUTE_MS });
  const f = run.plan.facts;
  const window = (k: string, from: number, to: number) => run.of(k).filter((r) => r.ts >= f.leakAtMs! + from * MINUTE_MS && r.ts < f.leakAtMs! + to * MINUTE_MS).map((r) => r.values.lel as number);

  it('leaks at a detector with a neighbour, 2 minutes into the live phase', () => {
    expect(f.leakNeighbours!.length).toBeGreaterThan(0);
    expect(f.leakAtMs).toBe(run.startMs + 2 * MINUTE_MS);
  });

  it('brings the source near its plateau within a few τ, above the 25 %LEL alarm', () => {
    expect(mean(window(f.leakSource!, 8, 12))).toBeGreaterThan(0.75 * f.plateau!);
    expect(mean(window(f.leakSource!, -2, 0))).toBeLessThan(3);
  });

  it('shows the neighbour later and lower', () => {
    const nb = f.leakNeighbours![0]!;
    expect(mean(window(nb, 8, 12))).toBeLessThan(0.75 * mean(window(f.leakSource!, 8, 12)));
    expect(mean(window(nb, 0, 1))).toBeLessThan(mean(window(f.leakSource!, 0, 1)));
  });

  it('clears after isolation', () => {
    expect(mean(run.of(f.leakSource!).filter((r) => r.ts > f.isolateAtMs! + 12 * MINUTE_MS).map((r) => r.values.lel as number))).toBeLessThan(5);
  });
});
