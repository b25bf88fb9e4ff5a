// 四色总览: the four-colour risk map of sites (domain.md R19 "安全风险四色分布图", §4.4 landing page) from
// site_level, open alerts by level, what was raised in the range, and the newest alert events.
import { alertAnnotation, F, scopeVariables, where } from './common.ts';
import {
  dashboard, EVENT_MAP, fixedColor, geomap, LEVEL_NAME_MAP, LEVEL_NUMBER_MAP, LEVEL_ZH, override, STATE_MAP, stat, table, timeseries, type Obj,
} from './grafana.ts';

const LEVEL_STEPS: [string, number | null][] = [['green', null], ['blue', 1], ['yellow', 2], ['orange', 3], ['red', 4]];
const siteScope = where(F.time, F.county, F.enterprise);

/** The latest state of every site in the range (site_level is written at least every 5 min). */
const SITES = `SELECT last("level") AS "level", last("name") AS "name", last("lat") AS "lat", last("lon") AS "lon", ` +
  `last("open_red") + last("open_orange") + last("open_yellow") + last("open_blue") AS "open" ` +
  `FROM "site_level" WHERE ${siteScope} GROUP BY "enterprise", "site", "county"`;

const levelColours = (['red', 'orange', 'yellow', 'blue'] as const).map((l) => override({ name: l }, { displayName: LEVEL_ZH[l], color: fixedColor(l) }));

export const overview: Obj = dashboard({
  uid: 'riskwatch-overview',
  title: '四色总览',
  description: '安全风险四色分布图：各场所当前最高未关闭报警等级（红 一级 > 橙 二级 > 黄 三级 > 蓝 四级），未关闭报警数，新增报警。',
  time: { from: 'now-24h', to: 'now' },
  refresh: '1m',
  variables: scopeVariables({}),
  annotations: [alertAnnotation()],
  panels: [
    stat({
      title: '未关闭报警（按等级）', w: 12, h: 5, colorMode: 'background', textMode: 'value_and_name',
      description: '所选县区、企业中尚未消警或归档的工艺报警数，来自各场所最近一次 site_level。',
      queries: [{
        query: `SELECT sum("open_red") AS "${LEVEL_ZH.red}", sum("open_orange") AS "${LEVEL_ZH.orange}", sum("open_yellow") AS "${LEVEL_ZH.yellow}", sum("open_blue") AS "${LEVEL_ZH.blue}" ` +
          `FROM (SELECT last("open_red") AS "open_red", last("open_orange") AS "open_orange", last("open_yellow") AS "open_yellow", last("open_blue") AS "open_blue" ` +
          `FROM "site_level" WHERE ${siteScope} GROUP BY "enterprise", "site") WHERE ${F.time}`,
        alias: '$col',
      }],
      overrides: (['red', 'orange', 'yellow', 'blue'] as const).map((l) => override({ name: LEVEL_ZH[l] }, { color: fixedColor(l) })),
    }),
    stat({
      title: '传感器在线率', w: 6, h: 5, unit: 'percent', decimals: 1, min: 0, max: 100,
      description: '最近一次 enterprise_health：在 3 倍标称上报周期内有读数的传感器 / 登记传感器。',
      thresholds: [['red', null], ['orange', 80], ['yellow', 90], ['green', 95]],
      queries: [{ query: `SELECT 100 * sum("online") / sum("sensors") FROM (SELECT last("online") AS "online", last("sensors") AS "sensors" FROM "enterprise_health" WHERE ${siteScope} GROUP BY "enterprise") WHERE ${F.time}` }],
    }),
    stat({
      title: '时段内新增报警', w: 6, h: 5, thresholds: [['green', null], ['orange', 1]],
      queries: [{ query: `SELECT count("alert_id") FROM "alert_event" WHERE ${where(F.time, F.enterprise, `"event" = 'raised'`)}` }],
    }),
    geomap({
      title: '安全风险四色分布图', w: 16, h: 15, colorField: 'level', textField: 'name',
      description: '各场所按当前最高未关闭报警等级着色（绿色 = 无报警）。坐标为注册表中的 WGS-84 / CGCS2000 经纬度。',
      center: { lat: 25.0, lon: 101.5, zoom: 6 },
      thresholds: LEVEL_STEPS, mappings: [LEVEL_NUMBER_MAP],
      queries: [{ query: SITES, format: 'table' }],
    }),
    table({
      title: '场所风险等级', w: 8, h: 15, sortBy: { displayName: '等级', desc: true },
      queries: [{ query: SITES, format: 'table' }],
      overrides: [
        override({ name: 'level' }, { displayName: '等级', mappings: [LEVEL_NUMBER_MAP], 'custom.cellOptions': { type: 'color-background' }, color: { mode: 'thresholds' }, thresholds: { mode: 'absolute', steps: LEVEL_STEPS.map(([color, value]) => ({ color, value })) } }),
        override({ name: 'name' }, { displayName: '场所' }),
        override({ name: 'enterprise' }, { displayName: '企业' }),
        override({ name: 'county' }, { displayName: '县区' }),
        override({ name: 'open' }, { displayName: '未关闭报警' }),
        override({ regex: '^(Time|time|lat|lon|site)$' }, { 'custom.hidden': true }),
      ],
    }),
    timeseries({
      title: '新增报警（按等级）', w: 12, h: 8, bars: true, stack: true, decimals: 0,
      queries: [{ query: `SELECT count("alert_id") FROM "alert_event" WHERE ${where(F.time, F.enterprise, `"event" = 'raised'`)} GROUP BY time($__interval), "level" fill(0)`, alias: '$tag_level' }],
      interval: '10m',
      overrides: levelColours,
    }),
    table({
      title: '最新报警事件', w: 12, h: 8,
      queries: [{ query: `SELECT "enterprise", "site", "level", "event", "sensor", "title", "state" FROM "alert_event" WHERE ${where(F.time, F.enterprise)} ORDER BY time DESC LIMIT 50`, format: 'table' }],
      overrides: [
        override({ name: 'level' }, { displayName: '等级', mappings: [LEVEL_NAME_MAP], 'custom.cellOptions': { type: 'color-text' } }),
        override({ name: 'event' }, { displayName: '事件', mappings: [EVENT_MAP] }),
        override({ name: 'state' }, { displayName: '处置状态', mappings: [STATE_MAP] }),
        override({ name: 'enterprise' }, { displayName: '企业' }),
        override({ name: 'site' }, { displayName: '场所' }),
        override({ name: 'sensor' }, { displayName: '监测点' }),
        override({ name: 'title' }, { displayName: '内容' }),
        override({ name: 'Time' }, { displayName: '时间' }),
      ],
    }),
  ],
});
