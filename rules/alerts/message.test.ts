import { describe, expect, it } from 'vitest';
import { Level } from '../../core/level.ts';
import { alertMessage, fmtValue, type MessageInput } from './message.ts';

const GT101: MessageInput = {
  kind: 'process',
  level: Level.orange,
  enterpriseName: '示例化工',
  siteName: '储罐区',
  sensorName: '可燃气体探测器GT-101',
  metricZh: '可燃气体浓度',
  value: 52,
  unit: '%LEL',
  threshold: 50,
  text: '',
  nativeAlarm: '二级报警',
  retrospective: false,
  flapping: false,
  condition: 'active',
};

const CASES: { why: string; input: Partial<MessageInput>; lang?: 'zh' | 'en'; want: string }[] = [
  { why: 'the regulators’ wording: colour + 预警 + grade, place, value ≥ threshold, native grade', input: {}, want: '【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 52.0 %LEL ≥ 50 %LEL（二级报警）' },
  { why: 'red is 一级 (contract.md "Levels": the platform’s 一级 is red)', input: { level: Level.red, nativeAlarm: null }, want: '【红色预警(一级)】示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 52.0 %LEL ≥ 50 %LEL' },
  { why: 'yellow is 三级', input: { level: Level.yellow, nativeAlarm: null }, want: '【黄色预警(三级)】示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 52.0 %LEL ≥ 50 %LEL' },
  { why: 'blue is 四级', input: { level: Level.blue, nativeAlarm: null }, want: '【蓝色预警(四级)】示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 52.0 %LEL ≥ 50 %LEL' },
  { why: 'the rule’s own text wins over the composed one (kinds word their conditions, persistence included)', input: { text: '浓度 52.0 %LEL ≥ 50 %LEL 持续 30 s' }, want: '【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 浓度 52.0 %LEL ≥ 50 %LEL 持续 30 s（二级报警）' },
  { why: 'a value below its threshold is a low alarm (oxygen deficiency)', input: { metricZh: '氧气浓度', value: 18.2, threshold: 19.5, unit: '%vol', nativeAlarm: null }, want: '【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 氧气浓度 18.2 %vol ≤ 19.5 %vol' },
  { why: 'a device fault says 设备故障 and not a colour', input: { kind: 'device', text: '传感器故障', nativeAlarm: null }, want: '【设备故障】示例化工 储罐区 可燃气体探测器GT-101 传感器故障' },
  { why: 'a device offline says 设备离线', input: { kind: 'device', device: 'offline', text: '超过 10 min 无数据', nativeAlarm: null }, want: '【设备离线】示例化工 储罐区 可燃气体探测器GT-101 超过 10 min 无数据' },
  { why: 'platform-health alerts have their own tag', input: { kind: 'system', enterpriseName: undefined, siteName: undefined, sensorName: undefined, text: 'InfluxDB 写入积压', nativeAlarm: null }, want: '【平台告警】InfluxDB 写入积压' },
  { why: 'recovered: the current value and 已恢复正常, no threshold and no native grade', input: { condition: 'recovered', value: 12 }, want: '【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 12.0 %LEL 已恢复正常' },
  { why: 'recovered without a value still says it is over', input: { condition: 'recovered', value: null }, want: '【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 已恢复正常' },
  { why: 'alerts decided from a backlog are marked 补报', input: { retrospective: true }, want: '（补报）【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 52.0 %LEL ≥ 50 %LEL（二级报警）' },
  { why: 'flapping alerts are marked 频繁波动', input: { flapping: true }, want: '【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 52.0 %LEL ≥ 50 %LEL（二级报警）（频繁波动）' },
  { why: 'boolean metrics read 是/否 (feed status)', input: { metricZh: '馈电状态(有电)', value: false, unit: 'bool', threshold: null, nativeAlarm: '断电' }, want: '【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 馈电状态(有电) 否（断电）' },
  { why: 'without registry names the message degrades to the value', input: { enterpriseName: undefined, siteName: undefined, sensorName: undefined, metricZh: undefined, level: Level.red, value: 1.62, threshold: 1.5, unit: '%vol', nativeAlarm: null }, want: '【红色预警(一级)】1.62 %vol ≥ 1.5 %vol' },
  { why: 'English variant keeps registry names and the native grade', lang: 'en', input: {}, want: '[Orange warning (level 2)] 示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 52.0 %LEL ≥ 50 %LEL (二级报警)' },
  { why: 'English recovered, retrospective, flapping', lang: 'en', input: { condition: 'recovered', retrospective: true, flapping: true, value: 3 }, want: '(retrospective) [Orange warning (level 2)] 示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 3.0 %LEL back to normal (flapping)' },
  { why: 'a rule expecting design values on the platform defaults says so (domain.md §2.5 "clearly label")', input: { defaultValues: true, nativeAlarm: null, metricZh: '浸润线埋深', value: 3.2, threshold: 3.5, unit: 'm' }, want: '【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 浸润线埋深 3.2 m ≤ 3.5 m（未录入设计预警值，使用平台缺省值）' },
  { why: 'the defaults note is for an active condition only: recovered says nothing of thresholds', input: { defaultValues: true, condition: 'recovered', value: 12 }, want: '【橙色预警(二级)】示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 12.0 %LEL 已恢复正常' },
  { why: 'English defaults note', lang: 'en', input: { defaultValues: true, nativeAlarm: null }, want: '[Orange warning (level 2)] 示例化工 储罐区 可燃气体探测器GT-101 可燃气体浓度 52.0 %LEL ≥ 50 %LEL (design warning values not entered; platform defaults in use)' },
  { why: 'English device offline', lang: 'en', input: { kind: 'device', device: 'offline', text: 'no data', nativeAlarm: null }, want: '[Device offline] 示例化工 储罐区 可燃气体探测器GT-101 no data' },
];

describe('alertMessage', () => {
  it.each(CASES)('$why', ({ input, lang, want }) => {
    expect(alertMessage({ ...GT101, ...input }, lang)).toBe(want);
  });
});

describe('fmtValue', () => {
  it.each([
    { why: 'whole numbers keep one decimal like the regulators’ screens', v: 52, want: '52.0' },
    { why: 'up to three decimals are kept (CH₄ %vol)', v: 1.625, want: '1.625' },
    { why: 'float noise is rounded away', v: 0.1 + 0.2, want: '0.3' },
    { why: 'negative values (wind reversal) format the same way', v: -2, want: '-2.0' },
  ])('$why', ({ v, want }) => {
    expect(fmtValue(v)).toBe(want);
  });
});
