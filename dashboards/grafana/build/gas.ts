// 可燃/有毒气体 (domain.md §2.1): combustible %LEL and toxic ppm per detector against GB/T 50493-2019 §5.5.2
// settings (一级 ≤ 25 %LEL / 100 % OEL, 二级 ≤ 50 %LEL / 200 % OEL), oxygen against 19.5 / 23.5 %vol.
// Process values are the bucket maximum (a short leak must not be averaged away), of ok readings only.
import { alertAnnotation, byTime, F, scopeVariables, SERIES_ALIAS, where } from './common.ts';
import { dashboard, stat, table, timeseries, type Obj, type Step } from './grafana.ts';

const GAS = '^gas_';
const scope = (type: string) => where(F.type(type), F.enterprise, F.site, F.sensor, F.ok, F.time);

function gasPanel(title: string, type: string, metric: string, unit: string, steps: Step[], o: { agg?: string; w?: number; description?: string } = {}) {
  return timeseries({
    title, w: o.w ?? 8, h: 8, unit, thresholds: steps, thresholdLines: true, interval: '1m',
    ...(o.description ? { description: o.description } : {}),
    queries: [{ query: `SELECT ${o.agg ?? 'max'}("${metric}") FROM "reading" WHERE ${scope(type)} ${byTime()}`, alias: SERIES_ALIAS }],
  });
}

export const gas: Obj = dashboard({
  uid: 'riskwatch-gas',
  title: '可燃/有毒气体',
  description: '可燃气体 (%LEL)、有毒气体 (ppm) 与氧气 (%vol) 探测器；阈值线为 GB/T 50493-2019 §5.5.2 一级/二级报警设定值。',
  time: { from: 'now-6h', to: 'now' },
  refresh: '30s',
  variables: scopeVariables({ types: GAS, site: true, sensor: { label: '探测器', types: GAS } }),
  annotations: [alertAnnotation({ site: true })],
  panels: [
    gasPanel('可燃气体浓度（%LEL，区间最大值）', 'gas_combustible', 'lel', 'suffix: %LEL',
      [['green', null], ['blue', 10], ['yellow', 25], ['orange', 50]],
      { w: 18, description: '蓝：≥10 %LEL 趋势；黄：一级报警 25 %LEL；橙：二级报警 50 %LEL（GB/T 50493-2019 §5.5.2，企业可设得更低）。' }),
    stat({
      title: '当前可燃气体最高值', w: 6, h: 8, unit: 'suffix: %LEL', decimals: 1,
      thresholds: [['green', null], ['blue', 10], ['yellow', 25], ['orange', 50]],
      queries: [{ query: `SELECT max("lel") FROM (SELECT last("lel") AS "lel" FROM "reading" WHERE ${scope('gas_combustible')} GROUP BY "enterprise", "sensor") WHERE ${F.time}` }],
    }),
    gasPanel('硫化氢 H₂S（ppm）', 'gas_h2s', 'h2s', 'ppm', [['green', null], ['yellow', 7], ['orange', 14]]),
    gasPanel('一氧化碳 CO（ppm）', 'gas_co', 'co', 'ppm', [['green', null], ['yellow', 17], ['orange', 35]]),
    gasPanel('氨气 NH₃（ppm）', 'gas_nh3', 'nh3', 'ppm', [['green', null], ['yellow', 29], ['orange', 57]]),
    gasPanel('氯气 Cl₂（ppm）', 'gas_cl2', 'cl2', 'ppm', [['green', null], ['yellow', 0.35], ['orange', 0.7]]),
    gasPanel('氧气 O₂（%vol，区间最小值）', 'gas_o2', 'o2', 'suffix: %vol',
      [['red', null], ['orange', 18], ['yellow', 19.5], ['green', 20], ['yellow', 23.5]], { agg: 'min', description: '缺氧 < 19.5 %vol，富氧 > 23.5 %vol。' }),
    table({
      title: '非正常状态读数（标定、故障、维护……）', w: 8, h: 8,
      description: 'quality ≠ ok 的读数不触发工艺报警，驱动设备状态；标定气（如 50 %LEL）在此显示而不进入曲线。',
      queries: [{ query: `SELECT count("quality") AS "条数", last("quality") AS "最近状态" FROM "reading" WHERE ${where(F.types(GAS), F.enterprise, F.site, F.sensor, `"quality" != 'ok'`, F.time)} GROUP BY "enterprise", "sensor"`, format: 'table' }],
    }),
  ],
});
