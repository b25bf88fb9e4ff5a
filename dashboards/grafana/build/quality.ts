// 数据质量 (domain.md §3.5, R17, R37): online rate, completeness and timeliness per enterprise and county —
// the KPIs of the MEM data-quality rule and the county rankings (晾晒通报).
// - Online rate: enterprise_health (sensors reporting within 3× their nominal interval / registered).
// - Completeness: readings received / readings expected from each reading's `interval_s`, over the sensors
//   that reported in the bucket (a sensor silent for the whole bucket counts in the online rate instead: InfluxQL
//   cannot join the registry's sensor list, and InfluxDB 1.x mis-aggregates fill(0) inside a subquery).
// - Timeliness: `lag_ms` = receive time − device time.
import { F, scopeVariables, where } from './common.ts';
import { bargauge, dashboard, override, table, timeseries, type Obj, type Step } from './grafana.ts';

const RATE_STEPS: Step[] = [['red', null], ['orange', 80], ['yellow', 90], ['green', 95]];
const health = where(F.county, F.enterprise, F.time);
const readings = where(F.county, F.enterprise, F.time);

/** Per sensor and bucket: seconds covered = readings × nominal interval. */
const covered = (groupBy: string) => `SELECT count("interval_s") * mean("interval_s") AS "covered" FROM "reading" WHERE ${readings} GROUP BY ${groupBy}`;

export const quality: Obj = dashboard({
  uid: 'riskwatch-data-quality',
  title: '数据质量',
  description: '在线率、数据完整率、上报及时性，按企业与县区（晾晒通报）。',
  time: { from: 'now-24h', to: 'now' },
  refresh: '5m',
  variables: scopeVariables({}),
  annotations: [],
  panels: [
    timeseries({
      title: '在线率（%）', w: 12, h: 8, unit: 'percent', min: 0, max: 100, decimals: 1, interval: '5m', thresholds: RATE_STEPS, thresholdLines: true,
      description: '在 3 倍标称上报周期内有读数的传感器 / 登记传感器（enterprise_health，每分钟）。',
      queries: [{ query: `SELECT 100 * mean("online") / mean("sensors") FROM "enterprise_health" WHERE ${health} GROUP BY time($__interval), "enterprise" fill(none)`, alias: '$tag_enterprise' }],
    }),
    bargauge({
      title: '当前在线率（%）', w: 12, h: 8, unit: 'percent', min: 0, max: 100, decimals: 1, thresholds: RATE_STEPS,
      queries: [{ query: `SELECT 100 * last("online") / last("sensors") FROM "enterprise_health" WHERE ${health} GROUP BY "enterprise"`, alias: '$tag_enterprise' }],
    }),
    timeseries({
      title: '数据完整率（%）', w: 12, h: 8, unit: 'percent', min: 0, decimals: 1, interval: '1h', thresholds: RATE_STEPS, thresholdLines: true,
      description: '实收读数 / 应收读数（按各读数的标称上报周期 interval_s），对区间内有上报的传感器求平均。',
      queries: [{
        query: `SELECT 100 * sum("covered") / count("covered") / ($__interval_ms / 1000) FROM (${covered('time($__interval), "enterprise", "sensor"')}) WHERE ${F.time} GROUP BY time($__interval), "enterprise" fill(none)`,
        alias: '$tag_enterprise',
      }],
    }),
    timeseries({
      title: '上报延迟 P95（s）', w: 12, h: 8, unit: 's', decimals: 1, interval: '5m',
      description: '接收时间 − 设备时间（lag_ms）的 95 分位；补传（断线后的积压）会抬高它。',
      queries: [{ query: `SELECT percentile("lag_ms", 95) / 1000 FROM "reading" WHERE ${readings} GROUP BY time($__interval), "enterprise" fill(none)`, alias: '$tag_enterprise' }],
    }),
    table({
      title: '按企业：完整率', w: 8, h: 9, sortBy: { displayName: '完整率 (%)', desc: false },
      queries: [{ query: `SELECT 100 * sum("covered") / count("covered") / $__range_s AS "完整率 (%)", count("covered") AS "上报传感器" FROM (${covered('"enterprise", "county", "sensor"')}) GROUP BY "enterprise", "county"`, format: 'table' }],
      overrides: [override({ name: 'enterprise' }, { displayName: '企业' }), override({ name: 'county' }, { displayName: '县区' }), override({ name: '完整率 (%)' }, { decimals: 1 }), override({ regex: '^(Time|time)$' }, { 'custom.hidden': true })],
    }),
    table({
      title: '按县区：在线率、完整率、及时性', w: 16, h: 9,
      queries: [
        { query: `SELECT sum("sensors") AS "登记传感器", sum("online") AS "在线", 100 * sum("online") / sum("sensors") AS "在线率 (%)" FROM (SELECT last("sensors") AS "sensors", last("online") AS "online" FROM "enterprise_health" WHERE ${health} GROUP BY "enterprise", "county") GROUP BY "county"`, format: 'table' },
        { query: `SELECT 100 * sum("covered") / count("covered") / $__range_s AS "完整率 (%)" FROM (${covered('"enterprise", "county", "sensor"')}) GROUP BY "county"`, format: 'table' },
        { query: `SELECT mean("lag_ms") / 1000 AS "平均延迟 (s)", percentile("lag_ms", 95) / 1000 AS "P95 延迟 (s)", count("lag_ms") AS "读数" FROM "reading" WHERE ${readings} GROUP BY "county"`, format: 'table' },
      ],
      // Each query's Time differs (0, or the range start): dropped before the merge joins the rows on 县区.
      transformations: [
        { id: 'organize', options: { excludeByName: { Time: true } } },
        { id: 'merge', options: {} },
        { id: 'organize', options: { renameByName: { county: '县区' } } },
      ],
      overrides: [override({ regex: '\\(%\\)|\\(s\\)' }, { decimals: 1 })],
    }),
    table({
      title: '非正常质量读数（按企业、测点）', w: 12, h: 8, sortBy: { displayName: '条数', desc: true },
      description: 'fault（故障）、maintenance（维护）、calibrating（标定）、overrange（超量程）、comm_lost（通信中断）。',
      queries: [{ query: `SELECT count("quality") AS "条数", last("quality") AS "最近状态" FROM "reading" WHERE ${where(readings, `"quality" != 'ok'`)} GROUP BY "enterprise", "sensor"`, format: 'table' }],
      overrides: [override({ name: 'enterprise' }, { displayName: '企业' }), override({ name: 'sensor' }, { displayName: '测点' }), override({ regex: '^(Time|time)$' }, { 'custom.hidden': true })],
    }),
    timeseries({
      title: '设备报警（离线、故障）', w: 12, h: 8, bars: true, stack: true, decimals: 0, interval: '1h',
      queries: [{ query: `SELECT count("alert_id") FROM "alert_event" WHERE ${where(F.time, F.enterprise, `"kind" = 'device'`, `"event" = 'raised'`)} GROUP BY time($__interval), "enterprise" fill(0)`, alias: '$tag_enterprise' }],
    }),
  ],
});
