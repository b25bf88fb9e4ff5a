// 煤矿甲烷 (domain.md §2.2): CH₄ per sensor against the typical alarm / power-cut values of 煤矿安全规程 and
// AQ 1029 (报警 1.0 %, 断电 1.5 % at the face), feed status (馈电) of the cut-off switchgear, local fans, CO and
// air velocity. CH₄ and CO are bucket maxima: a 10-s spike must show at any zoom.
import { alertAnnotation, byTime, F, scopeVariables, SERIES_ALIAS, where } from './common.ts';
import { dashboard, stat, stateTimeline, timeseries, valueMap, type Obj } from './grafana.ts';

const MINE = '^mine_';
const scope = (type: string) => where(F.type(type), F.enterprise, F.site, F.sensor, F.ok, F.time);

export const methane: Obj = dashboard({
  uid: 'riskwatch-coal-methane',
  title: '煤矿甲烷',
  description: '井下甲烷、一氧化碳、风速，馈电状态与局部通风机开停。阈值：蓝 0.8 % 预警，黄 1.0 % 报警，橙 1.5 % 断电，红 2.0 %（各测点的设定值以注册表/设计为准）。',
  time: { from: 'now-6h', to: 'now' },
  refresh: '30s',
  variables: scopeVariables({ types: MINE, site: true, sensor: { label: '测点', types: MINE } }),
  annotations: [alertAnnotation({ site: true })],
  panels: [
    timeseries({
      title: '甲烷浓度 CH₄（%vol，区间最大值）', w: 24, h: 9, unit: 'suffix: %vol', decimals: 2, min: 0, interval: '10s', thresholdLines: true, legendTable: true,
      thresholds: [['green', null], ['blue', 0.8], ['yellow', 1.0], ['orange', 1.5], ['red', 2.0]],
      queries: [{ query: `SELECT max("ch4") FROM "reading" WHERE ${scope('mine_ch4')} ${byTime()}`, alias: SERIES_ALIAS }],
    }),
    stat({
      title: '各测点当前甲烷', w: 24, h: 5, unit: 'suffix: %vol', decimals: 2, textMode: 'value_and_name', colorMode: 'background',
      thresholds: [['green', null], ['blue', 0.8], ['yellow', 1.0], ['orange', 1.5], ['red', 2.0]],
      queries: [{ query: `SELECT last("ch4") FROM "reading" WHERE ${scope('mine_ch4')} GROUP BY "sensor"`, alias: '$tag_sensor' }],
    }),
    stateTimeline({
      title: '馈电状态（断电/有电）', w: 12, h: 8, interval: '10s',
      description: '甲烷达到断电值时对应开关应断电；断电后仍显示有电即馈电异常（断电失败）。',
      mappings: [valueMap([[1, '有电', 'green'], [0, '断电', 'red']])],
      thresholds: [['red', null], ['green', 1]],
      queries: [{ query: `SELECT last("feed") FROM "reading" WHERE ${scope('mine_feed')} ${byTime(['sensor'], 'previous')}`, alias: '$tag_sensor' }],
    }),
    stateTimeline({
      title: '局部通风机开停', w: 12, h: 8, interval: '10s',
      mappings: [valueMap([[1, '运行', 'green'], [0, '停止', 'red']])],
      thresholds: [['red', null], ['green', 1]],
      queries: [{ query: `SELECT last("running") FROM "reading" WHERE ${scope('mine_fan')} ${byTime(['sensor'], 'previous')}`, alias: '$tag_sensor' }],
    }),
    timeseries({
      title: '一氧化碳 CO（ppm，区间最大值）', w: 12, h: 8, unit: 'ppm', interval: '10s', thresholdLines: true,
      description: '井下 CO 最高允许浓度 24 ppm（0.0024 %）。',
      thresholds: [['green', null], ['orange', 24]],
      queries: [{ query: `SELECT max("co") FROM "reading" WHERE ${scope('mine_co')} ${byTime()}`, alias: SERIES_ALIAS }],
    }),
    timeseries({
      title: '风速（m/s）', w: 12, h: 8, unit: 'velocityms', interval: '10s',
      description: '风速骤降或反向是停风、突出的征兆。',
      queries: [{ query: `SELECT mean("velocity") FROM "reading" WHERE ${scope('mine_wind')} ${byTime()}`, alias: SERIES_ALIAS }],
    }),
  ],
});
