// The scenario catalogue (architecture.md: one table, unknown keys throw naming the known ones).
// Each scenario = a backfill window of generated history + a decisive live phase with events at offsets
// from the start, watchable in minutes with honest units; see scenarios/*.ts for each story.
import { normal } from './scenarios/normal.ts';
import { gasLeak } from './scenarios/gas-leak.ts';
import { methaneOutburst, methaneVentilationLoss } from './scenarios/methane.ts';
import { dustFire } from './scenarios/dust-fire.ts';
import { shutdownViolation } from './scenarios/shutdown-violation.ts';
import { damFailure, FAILING_SECTION_AMPLITUDE_MM } from './scenarios/dam-failure.ts';
import { sensorFaults } from './scenarios/sensor-faults.ts';
import { showcase } from './scenarios/showcase.ts';
import type { Scenario } from './scenarios/types.ts';

export type { Scenario, ScenarioContext, ScenarioFacts, ScenarioOptions, ScenarioPlan, Family } from './scenarios/types.ts';
export { DEFAULT_BACKFILL_MS, backfillWindowMs } from './scenarios/select.ts';
export { FAILING_SECTION_AMPLITUDE_MM };

export const SCENARIOS = {
  normal,
  'gas-leak': gasLeak,
  'methane-ventilation-loss': methaneVentilationLoss,
  'methane-outburst': methaneOutburst,
  'dust-fire': dustFire,
  'shutdown-violation': shutdownViolation,
  'dam-failure': damFailure,
  'sensor-faults': sensorFaults,
  showcase,
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export function scenarioByName(name: string): Scenario {
  const s = (SCENARIOS as Record<string, Scenario>)[name];
  if (!s) throw new Error(`unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
  return s;
}
