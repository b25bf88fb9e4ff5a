// 粉尘涉爆除尘 (domain.md §2.3): the dust-collection system, after AQ 4273-2016 §5.1.4 — inlet/outlet
// differential pressure (alarm at a change of more than 20 %), ash-hopper temperature (70 °C: alarm and
// isolation), lock-air discharge valve, spark detectors.
import { alertAnnotation, byTime, F, scopeVariables, SERIES_ALIAS, where } from './common.ts';
import { bargauge, dashboard, override, stateTimeline, timeseries, valueMap, type Obj } from './grafana.ts';

const DUST = '^dust_';
const scope = (type: string) => where(F.type(type), F.enterprise, F.site, F.sensor, F.ok, F.time);

export const dust: Obj = dashboard({
  uid: 'riskwatch-dust',
  title: '粉尘涉爆除尘',
  description: '除尘器进出口压差、灰斗温度、锁气卸灰阀、火花探测（AQ 4273-2016 §5.1.4：压差变化超过 20 % 报警，70 °C 报警并联锁隔离）。',
  time: { from: 'now-24h', to: 'now' },
  refresh: '1m',
  variables: scopeVariables({ types: DUST, site: true, sensor: { label: '测点', types: DUST } }),
  annotations: [alertAnnotation({ site: true })],
  panels: [
    timeseries({
      title: '除尘器进出口压差（Pa）', w: 12, h: 8, unit: 'pressurepa', interval: '1m',
      description: '脉冲喷吹袋式除尘器正常约 800–1500 Pa，清灰时锯齿下降；骤降 30–60 % 为破袋，趋近 0 为风机停运。',
      queries: [{ query: `SELECT mean("dp") FROM "reading" WHERE ${scope('dust_dp')} ${byTime()}`, alias: SERIES_ALIAS }],
    }),
    timeseries({
      title: '灰斗温度（°C，区间最大值）', w: 12, h: 8, unit: 'celsius', interval: '1m', thresholdLines: true,
      thresholds: [['green', null], ['blue', 50], ['yellow', 60], ['orange', 70]],
      queries: [{ query: `SELECT max("temp") FROM "reading" WHERE ${scope('dust_hopper_temp')} ${byTime()}`, alias: SERIES_ALIAS }],
    }),
    bargauge({
      title: '压差：当前 / 时段均值', w: 8, h: 8, unit: 'percent', decimals: 0, min: 0, max: 200,
      description: '当前压差相对所选时段均值。偏离 ±20 % 为 AQ 4273 报警幅度（相对投用基线；基线见注册表 baselinePa）。停机时为 0。',
      thresholds: [['orange', null], ['yellow', 65], ['green', 80], ['yellow', 120], ['orange', 135]],
      queries: [{ query: `SELECT 100 * last("dp") / mean("dp") FROM "reading" WHERE ${scope('dust_dp')} GROUP BY "enterprise", "sensor"`, alias: SERIES_ALIAS }],
    }),
    timeseries({
      title: '火花次数（次/区间）', w: 8, h: 8, bars: true, decimals: 0, interval: '1m',
      queries: [{ query: `SELECT sum("sparks") FROM "reading" WHERE ${scope('dust_spark')} ${byTime(['enterprise', 'sensor'], '0')}`, alias: SERIES_ALIAS }],
    }),
    stateTimeline({
      title: '锁气卸灰阀 运行 / 故障', w: 8, h: 8, interval: '1m',
      queries: [{ query: `SELECT last("running") AS "运行", last("fault") AS "故障" FROM "reading" WHERE ${scope('dust_valve')} ${byTime(['sensor'], 'previous')}`, alias: '$tag_sensor $col' }],
      mappings: [valueMap([[1, '运行', 'green'], [0, '停止', 'text']])],
      overrides: [override({ regex: '故障$' }, { mappings: [valueMap([[1, '故障', 'red'], [0, '正常', 'green']])] })],
    }),
  ],
});
