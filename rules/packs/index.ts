// The pack table: the default rules of every sensor type (domain.md §2) and the site packs. Every alert cites
// the version in force (architecture.md "Thresholds and rules are versioned"; contract.md ruleVersion):
// PACK_VERSION for the defaults, the overrides file's `version` where an override applied (resolve.ts).
// Bump PACK_VERSION whenever a default changes.
import { SENSOR_TYPE_IDS, type SensorTypeId } from '../../core/sensor-types.ts';
import { mineCh4, mineCo, mineFan, mineFeed, mineWind } from './coal.ts';
import { dustDp, dustHopperTemp, dustSpark, dustValve } from './dust.ts';
import { cableTemp, powerMeter, residualCurrent } from './electricity.ts';
import { gasCl2, gasCo, gasCombustible, gasH2s, gasNh3, gasO2 } from './gas.ts';
import { healthRule } from './health.ts';
import { processPressure, processTemp, tankLevel } from './process.ts';
import { tailingsPondSite } from './site.ts';
import { rainGauge, tailingsBeach, tailingsGnss, tailingsPhreatic, tailingsPondLevel } from './tailings.ts';
import type { PackRule, SitePackRule } from './types.ts';

export const PACK_VERSION = 3;

const TYPE_RULES: Readonly<Record<SensorTypeId, readonly PackRule[]>> = {
  gas_combustible: gasCombustible,
  gas_h2s: gasH2s,
  gas_co: gasCo,
  gas_nh3: gasNh3,
  gas_cl2: gasCl2,
  gas_o2: gasO2,
  mine_ch4: mineCh4,
  mine_co: mineCo,
  mine_wind: mineWind,
  mine_feed: mineFeed,
  mine_fan: mineFan,
  dust_dp: dustDp,
  dust_hopper_temp: dustHopperTemp,
  dust_valve: dustValve,
  dust_spark: dustSpark,
  power_meter: powerMeter,
  residual_current: residualCurrent,
  cable_temp: cableTemp,
  tailings_gnss: tailingsGnss,
  tailings_phreatic: tailingsPhreatic,
  tailings_pond_level: tailingsPondLevel,
  tailings_beach: tailingsBeach,
  rain_gauge: rainGauge,
  tank_level: tankLevel,
  process_temp: processTemp,
  process_pressure: processPressure,
};

/** Sensor packs by type: the type's rules plus its health rule. Pack name = the type id. */
export const SENSOR_PACKS: ReadonlyMap<string, readonly PackRule[]> = new Map(
  SENSOR_TYPE_IDS.map((t) => [t, [...TYPE_RULES[t], healthRule(t)]]),
);

/** Site packs by name (rule id `${pack}.${id}[.${suffix}]`). */
export const SITE_PACKS: ReadonlyMap<string, readonly SitePackRule[]> = new Map([['tailings_pond', tailingsPondSite]]);

/** Pack rule ids an override may name: `${type}.${id}` and `${sitePack}.${id}` (site instances add `.${suffix}`). */
export function knownRuleId(id: string): boolean {
  for (const [pack, rules] of SENSOR_PACKS) for (const r of rules) if (id === `${pack}.${r.id}`) return true;
  for (const [pack, rules] of SITE_PACKS) for (const r of rules) if (id === `${pack}.${r.id}` || id.startsWith(`${pack}.${r.id}.`)) return true;
  return false;
}
