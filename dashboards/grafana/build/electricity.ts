// 用电监测 (domain.md §2.4): enterprise load from utility metering (15-min intervals) against its own history,
// the shutdown-order windows (停产整顿 / 待复产验收, from enterprise_health.state) and the electricity alerts
// (annotations), plus electrical-fire monitoring (residual current GB 50116-2013 §9.2.3, cable temperature).
//
// The rules' baseline (96 time-of-day slots by weekday, median of 4–8 weeks, statutory calendar with 调休) is
// computed by the platform and not written to InfluxDB; the dashboard shows what the data holds: last week's
// load at the same time (a 7-day time shift) and the current load against the 28-day median.
import { alertAnnotation, byTime, F, scopeVariables, SERIES_ALIAS, where } from './common.ts';
import { bargauge, dashboard, stateTimeline, timeseries, valueMap, type Obj } from './grafana.ts';

const ELECTRIC = '^(power_meter|residual_current|cable_temp)$';
const scope = (type: string, time = F.time) => where(F.type(type), F.enterprise, F.sensor, F.ok, time);
const LOAD = `SELECT mean("p") FROM "reading" WHERE ${scope('power_meter')} ${byTime()}`;

export const electricity: Obj = dashboard({
  uid: 'riskwatch-electricity',
  title: '用电监测',
  description: '企业用电负荷与停产整顿时段、上周同期对比、日用电量；电气火灾监控（剩余电流、线缆温度）。',
  time: { from: 'now-7d', to: 'now' },
  refresh: '5m',
  variables: scopeVariables({ types: ELECTRIC, sensor: { label: '计量/探测点', types: ELECTRIC } }),
  annotations: [alertAnnotation()],
  panels: [
    stateTimeline({
      title: '企业状态（停产整顿时段）', w: 24, h: 5, interval: '5m',
      description: '来自注册表的企业状态（enterprise_health.state，每分钟）：停产整顿、待复产验收期间出现生产负荷即疑似违法生产（domain.md §2.4.1）。',
      mappings: [valueMap([['normal', '正常生产', 'green'], ['suspended', '停产整顿', 'red'], ['pending_acceptance', '待复产验收', 'orange'], ['closed', '已关闭', 'text']])],
      queries: [{ query: `SELECT last("state") FROM "enterprise_health" WHERE ${where(F.county, F.enterprise, F.time)} ${byTime(['enterprise'], 'previous')}`, alias: '$tag_enterprise' }],
    }),
    timeseries({
      title: '有功功率（kW）', w: 24, h: 9, unit: 'kwatt', interval: '15m', legendTable: true,
      description: '供电计量 15 分钟一个点。报警标注来自 alert_event（停产期间用电、夜间/节假日用电、超负荷、突降）。',
      queries: [{ query: LOAD, alias: SERIES_ALIAS }],
    }),
    timeseries({
      title: '上周同期有功功率（kW，时移 7 天，基线参考）', w: 12, h: 8, unit: 'kwatt', interval: '15m', timeShift: '7d',
      queries: [{ query: LOAD, alias: SERIES_ALIAS }],
    }),
    bargauge({
      title: '负荷率：当前 / 近 28 天中位负荷', w: 12, h: 8, unit: 'percent', decimals: 0, min: 0, max: 200,
      description: '当前 15 分钟负荷相对近 28 天负荷中位数。停产整顿期间应接近空载（约 10 %）；超过 120 % 提示超负荷。',
      thresholds: [['green', null], ['yellow', 120], ['orange', 150]],
      queries: [{ query: `SELECT 100 * last("p") / median("p") FROM "reading" WHERE ${scope('power_meter', 'time > now() - 28d')} GROUP BY "enterprise", "sensor"`, alias: SERIES_ALIAS }],
    }),
    timeseries({
      title: '日用电量（kWh，北京时间自然日）', w: 12, h: 8, unit: 'kwatth', bars: true, decimals: 0,
      queries: [{ query: `SELECT sum("energy") FROM "reading" WHERE ${scope('power_meter')} GROUP BY time(1d), "enterprise" fill(0) tz('Asia/Shanghai')`, alias: '$tag_enterprise' }],
    }),
    timeseries({
      title: '剩余电流（mA，区间最大值）', w: 12, h: 8, unit: 'mamp', interval: '1m', thresholdLines: true,
      description: 'GB 50116-2013 §9.2.3：报警值设定在 300–500 mA；自然泄漏通常 100–200 mA。',
      thresholds: [['green', null], ['blue', 200], ['yellow', 300], ['orange', 500], ['red', 1000]],
      queries: [{ query: `SELECT max("ir") FROM "reading" WHERE ${scope('residual_current')} ${byTime()}`, alias: SERIES_ALIAS }],
    }),
    timeseries({
      title: '线缆温度（°C，区间最大值）', w: 12, h: 8, unit: 'celsius', interval: '1m', thresholdLines: true,
      description: '阈值线按 PVC 绝缘（导体长期允许 70 °C）；XLPE（90 °C）各高 20 °C。',
      thresholds: [['green', null], ['blue', 55], ['yellow', 60], ['orange', 70], ['red', 80]],
      queries: [{ query: `SELECT max("temp") FROM "reading" WHERE ${scope('cable_temp')} ${byTime()}`, alias: SERIES_ALIAS }],
    }),
  ],
});
