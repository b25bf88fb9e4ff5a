// A rule context for the kinds' table tests: one sensor of a type on a plain site, with an empty calendar
// and no baselines (data, not a stand-in for code under test).
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import { SENSOR_TYPES, type SensorTypeId } from '../../core/sensor-types.ts';
import type { SensorRuleContext } from './kind.ts';

export function ctxFor(type: SensorTypeId, over: { params?: SensorInfo['params']; site?: Partial<SiteDef> } = {}): SensorRuleContext {
  const t = SENSOR_TYPES[type];
  const metric = Object.keys(t.metrics)[0]!;
  const sensor: SensorInfo = {
    id: 'x1', type, name: '测点', area: null, item: null, commissioned: '2024-01-01', params: over.params ?? {}, relations: [],
    enterpriseId: 'e1', siteId: 's1', deviceIds: [], commissionedMs: 0,
  };
  const site: SiteDef = { id: 's1', name: '厂区', kind: 'factory', location: { lat: 25, lon: 102 }, tailings: null, areas: [], items: [], params: {}, sensors: [], ...over.site };
  return {
    sensor, site, metric, metricDef: (t.metrics as Record<string, SensorRuleContext['metricDef']>)[metric]!,
    env: { calendar: { dayKind: () => null }, enterprise: () => undefined, baseline: () => ({ at: () => NaN, p95: NaN, production: NaN }) },
  };
}
