// 尾矿库 (domain.md §2.5; GB 51108-2015, GB 39496-2020): dam surface displacement and its rate, inverse
// velocity (1/v falls linearly towards zero before a failure — the Fukuzono method), phreatic line burial
// depth, pond water level against the dry beach (about 1 % beach slope: 0.1 m of water ≈ 10 m of beach), and
// rainfall (CMA 暴雨 ≥ 50 mm / 24 h is the GB 51108 yellow).
import { alertAnnotation, byTime, F, scopeVariables, where } from './common.ts';
import { dashboard, override, timeseries, type Obj } from './grafana.ts';

const TAILINGS = '^(tailings_gnss|tailings_phreatic|tailings_pond_level|tailings_beach|rain_gauge)$';
const gnss = where(F.type('tailings_gnss'), F.enterprise, F.site, F.sensor, F.ok, F.time);
const site = (type: string) => where(F.type(type), F.enterprise, F.site, F.ok, F.time);

/** Horizontal displacement √(dx² + dy²) per reading, then its daily rate of change per GNSS point (mm/d). */
const RATE = `SELECT derivative(mean("d"), 1d) AS "v" FROM (SELECT sqrt(pow("dx", 2) + pow("dy", 2)) AS "d" FROM "reading" WHERE ${gnss} GROUP BY "sensor") ` +
  `WHERE ${F.time} GROUP BY time($__interval), "sensor" fill(none)`;

export const tailings: Obj = dashboard({
  uid: 'riskwatch-tailings',
  title: '尾矿库',
  description: '坝体表面位移及速率、倒数速度、浸润线埋深、库水位与干滩长度、降雨量（GB 51108-2015、GB 39496-2020）。',
  time: { from: 'now-30d', to: 'now' },
  refresh: '5m',
  variables: scopeVariables({ types: TAILINGS, site: true, sensor: { label: 'GNSS 监测点', types: '^tailings_gnss$' } }),
  annotations: [alertAnnotation({ site: true })],
  panels: [
    timeseries({
      title: '坝体表面位移（mm，累计）', w: 12, h: 9, unit: 'lengthmm', interval: '1h',
      description: 'GNSS 东向 dx、北向 dy、沉降 dh（相对初始值）。单历元 10–30 mm 跳点多为多路径误差。',
      queries: [{ query: `SELECT mean("dx") AS "dx", mean("dy") AS "dy", mean("dh") AS "dh" FROM "reading" WHERE ${gnss} ${byTime(['sensor'])}`, alias: '$tag_sensor $col' }],
    }),
    timeseries({
      title: '水平位移速率（mm/d）', w: 12, h: 9, unit: 'suffix: mm/d', decimals: 2, interval: '1d', thresholdLines: true,
      description: '日均水平位移的日变化。缺省预警：黄 > 1 mm/d，橙 > 3 mm/d，红 > 10 mm/d 或连续 3 天加速（设计单位给定值优先）。',
      thresholds: [['green', null], ['yellow', 1], ['orange', 3], ['red', 10]],
      queries: [{ query: RATE, alias: '$tag_sensor' }],
    }),
    timeseries({
      title: '倒数速度 1/v（d/mm）', w: 12, h: 8, unit: 'suffix: d/mm', decimals: 2, interval: '1d', min: 0,
      description: '加速蠕变时 1/v 随时间近似线性下降，外推与时间轴的交点即预测失稳时间（福囿法）。只画速率 > 0.05 mm/d 的日值。',
      queries: [{ query: `SELECT 1 / "v" AS "1/v" FROM (${RATE}) WHERE ${F.time} AND "v" > 0.05 GROUP BY "sensor"`, alias: '$tag_sensor' }],
    }),
    timeseries({
      title: '浸润线埋深（m）', w: 12, h: 8, unit: 'lengthm', decimals: 2, interval: '1h',
      description: '埋深越小越危险：红 = 控制埋深（GB 50863 最小埋深），橙 = 1.1 倍（GB 51108）；各观测孔的控制埋深见注册表。',
      queries: [{ query: `SELECT mean("depth") FROM "reading" WHERE ${site('tailings_phreatic')} ${byTime(['sensor'])}`, alias: '$tag_sensor' }],
    }),
    timeseries({
      title: '库水位（m）与干滩长度（m）', w: 12, h: 8, interval: '1h', decimals: 2,
      description: '滩坡约 1 %：水位上升 0.1 m，干滩约缩短 10 m。干滩长度不得小于设计最小值（三等库 70 m）。',
      queries: [
        { query: `SELECT mean("level") FROM "reading" WHERE ${site('tailings_pond_level')} ${byTime(['sensor'])}`, alias: '库水位 $tag_sensor' },
        { query: `SELECT mean("length") FROM "reading" WHERE ${site('tailings_beach')} ${byTime(['sensor'])}`, alias: '干滩长度 $tag_sensor' },
      ],
      overrides: [
        override({ regex: '^库水位' }, { unit: 'lengthm', 'custom.axisLabel': '库水位 (m)' }),
        override({ regex: '^干滩长度' }, { unit: 'lengthm', 'custom.axisPlacement': 'right', 'custom.axisLabel': '干滩长度 (m)' }),
      ],
    }),
    timeseries({
      title: '降雨量（mm/区间）', w: 12, h: 8, unit: 'lengthmm', bars: true, decimals: 1, interval: '1h',
      queries: [{ query: `SELECT sum("rain") FROM "reading" WHERE ${site('rain_gauge')} ${byTime(['sensor'], '0')}`, alias: '$tag_sensor' }],
    }),
    timeseries({
      title: '24 小时累计降雨（mm，滑动）', w: 24, h: 7, unit: 'lengthmm', decimals: 1, thresholdLines: true,
      description: 'CMA：50–99.9 mm 暴雨（GB 51108 黄色），100–249.9 mm 大暴雨，≥ 250 mm 特大暴雨。',
      thresholds: [['green', null], ['blue', 25], ['yellow', 50], ['orange', 100], ['red', 250]],
      queries: [{ query: `SELECT moving_average(sum("rain"), 24) * 24 FROM "reading" WHERE ${site('rain_gauge')} GROUP BY time(1h), "sensor" fill(0)`, alias: '$tag_sensor' }],
    }),
  ],
});
