import { describe, it, expect } from 'vitest';
import { SCENARIO_NAMES, scenarioByName } from './scenarios.ts';
import { runScenario } from './testkit.ts';
import { syntheticRegistry } from './synthetic.ts';

describe('scenario catalogue', () => {
  it('names the known scenarios when asked for an unknown one', () => {
    expect(() => scenarioByName('meteor')).toThrow(/known: normal, gas-leak/);
  });

  it('has the scenarios the demo needs', () => {
    for (const n of ['normal', 'gas-leak', 'methane-ventilation-loss', 'dust-fire', 'shutdown-violation', 'dam-failure', 'sensor-faults']) expect(SCENARIO_NAMES).toContain(n);
  });

  it.each(SCENARIO_NAMES.filter((n) => n !== 'normal' && n !== 'sensor-faults'))('%s says which sensor types it needs when the registry lacks them', (name) => {
    const registry = syntheticRegistry({ sensors: 3, devices: 1 }); // a chemical plant only, missing most types
    const onlyProcess = { ...registry, enterprises: registry.enterprises.map((e) => ({ ...e, sites: e.sites.map((s) => ({ ...s, sensors: s.sensors.filter((x) => x.type === 'gas_h2s') })), devices: e.devices.map((d) => ({ ...d, sensors: d.sensors.filter((id) => id.startsWith('h2s')) })) })) };
    expect(() => runScenario({ registry: onlyProcess, scenario: name, liveMs: 0 })).toThrow(/needs .* in the registry/);
  });
});
