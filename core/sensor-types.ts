// The catalogue of sensor types: metrics, units, physical ranges and nominal reporting intervals
// (domain.md §2). A reading's metric names come from its sensor's type; a unit is never a bare `%`.
// `range` is the instrument's physical span: values outside it are accepted (they are what the device
// said) but mark the sensor's device state (out of physical range) once device health lands.

export interface MetricDef {
  unit: string;
  kind: 'number' | 'boolean';
  range?: readonly [number, number];
  zh: string;
}

export interface SensorTypeDef {
  family: 'gas' | 'coal' | 'dust' | 'electricity' | 'tailings' | 'process';
  zh: string;
  metrics: Readonly<Record<string, MetricDef>>;
  /** Nominal seconds between readings; freshness is judged against it. */
  intervalS: number;
  source: string;
}

const num = (unit: string, zh: string, range?: readonly [number, number]): MetricDef => ({ unit, kind: 'number', zh, ...(range ? { range } : {}) });
const bool = (zh: string): MetricDef => ({ unit: 'bool', kind: 'boolean', zh });

export const SENSOR_TYPES = {
  // §2.1 combustible and toxic gas (GB/T 50493-2019); devices sample 1–10 s and aggregate to 1 min.
  gas_combustible: { family: 'gas', zh: '可燃气体探测器', metrics: { lel: num('%LEL', '可燃气体浓度', [0, 100]) }, intervalS: 60, source: 'domain.md §2.1; GB/T 50493-2019 §5.5.2' },
  gas_h2s: { family: 'gas', zh: '硫化氢探测器', metrics: { h2s: num('ppm', '硫化氢', [0, 100]) }, intervalS: 60, source: 'domain.md §2.1 (GB/T 50493 annex)' },
  gas_co: { family: 'gas', zh: '一氧化碳探测器', metrics: { co: num('ppm', '一氧化碳', [0, 1000]) }, intervalS: 60, source: 'domain.md §2.1 (GB/T 50493 annex)' },
  gas_nh3: { family: 'gas', zh: '氨气探测器', metrics: { nh3: num('ppm', '氨气', [0, 200]) }, intervalS: 60, source: 'domain.md §2.1 (GB/T 50493 annex)' },
  gas_cl2: { family: 'gas', zh: '氯气探测器', metrics: { cl2: num('ppm', '氯气', [0, 20]) }, intervalS: 60, source: 'domain.md §2.1 (GB/T 50493 annex)' },
  gas_o2: { family: 'gas', zh: '氧气探测器', metrics: { o2: num('%vol', '氧气浓度', [0, 30]) }, intervalS: 60, source: 'domain.md §2.1 (19.5/23.5 %vol)' },
  // §2.2 coal-mine atmosphere (煤矿安全规程, AQ 1029).
  mine_ch4: { family: 'coal', zh: '甲烷传感器', metrics: { ch4: num('%vol', '甲烷浓度', [0, 4]) }, intervalS: 10, source: 'domain.md §2.2; AQ 1029' },
  mine_co: { family: 'coal', zh: '一氧化碳传感器(井下)', metrics: { co: num('ppm', '一氧化碳', [0, 1000]) }, intervalS: 10, source: 'domain.md §2.2 (24 ppm limit)' },
  mine_wind: { family: 'coal', zh: '风速传感器', metrics: { velocity: num('m/s', '风速', [-15, 15]) }, intervalS: 10, source: 'domain.md §2.2' },
  mine_feed: { family: 'coal', zh: '馈电传感器', metrics: { feed: bool('馈电状态(有电)') }, intervalS: 10, source: 'domain.md §2.2 (馈电异常)' },
  mine_fan: { family: 'coal', zh: '局部通风机开停传感器', metrics: { running: bool('风机运行') }, intervalS: 10, source: 'domain.md §2.2' },
  // §2.3 dust-explosion collectors (AQ 4273-2016 §5.1.4).
  dust_dp: { family: 'dust', zh: '除尘器进出口压差', metrics: { dp: num('Pa', '压差', [0, 5000]) }, intervalS: 60, source: 'domain.md §2.3; AQ 4273-2016 §5.1.4' },
  dust_hopper_temp: { family: 'dust', zh: '灰斗温度', metrics: { temp: num('°C', '灰斗温度', [-20, 300]) }, intervalS: 60, source: 'domain.md §2.3; AQ 4273-2016 §5.1.4 (70 °C)' },
  dust_valve: { family: 'dust', zh: '锁气卸灰阀', metrics: { running: bool('卸灰阀运行'), fault: bool('卸灰阀故障') }, intervalS: 60, source: 'domain.md §2.3' },
  dust_spark: { family: 'dust', zh: '火花探测器', metrics: { sparks: num('count', '火花次数(本周期)', [0, 10000]) }, intervalS: 60, source: 'domain.md §2.3' },
  // §2.4 electricity (utility 15-min metering; GB 50116-2013 §9.2.3 residual current).
  power_meter: { family: 'electricity', zh: '用电监测电表', metrics: { p: num('kW', '有功功率', [0, 1e6]), energy: num('kWh', '本时段电量', [0, 1e6]) }, intervalS: 900, source: 'domain.md §2.4.1' },
  residual_current: { family: 'electricity', zh: '剩余电流探测器', metrics: { ir: num('mA', '剩余电流', [0, 2000]) }, intervalS: 60, source: 'domain.md §2.4.2; GB 50116-2013 §9.2.3' },
  cable_temp: { family: 'electricity', zh: '线缆测温探测器', metrics: { temp: num('°C', '线缆温度', [-20, 200]) }, intervalS: 60, source: 'domain.md §2.4.2; GB 14287.3' },
  // §2.5 tailings ponds (GB 51108-2015, GB 39496-2020).
  tailings_gnss: { family: 'tailings', zh: 'GNSS表面位移', metrics: { dx: num('mm', '东向位移', [-5000, 5000]), dy: num('mm', '北向位移', [-5000, 5000]), dh: num('mm', '沉降', [-5000, 5000]) }, intervalS: 600, source: 'domain.md §2.5; GB 51108 §4.5.4' },
  tailings_phreatic: { family: 'tailings', zh: '浸润线(埋深)', metrics: { depth: num('m', '浸润线埋深', [0, 100]) }, intervalS: 3600, source: 'domain.md §2.5' },
  tailings_pond_level: { family: 'tailings', zh: '库水位', metrics: { level: num('m', '库水位(高程)', [0, 5000]) }, intervalS: 600, source: 'domain.md §2.5; GB 51108 §6.4' },
  tailings_beach: { family: 'tailings', zh: '干滩长度', metrics: { length: num('m', '干滩长度', [0, 2000]) }, intervalS: 3600, source: 'domain.md §2.5' },
  rain_gauge: { family: 'tailings', zh: '雨量计', metrics: { rain: num('mm', '时段降雨量', [0, 500]) }, intervalS: 600, source: 'domain.md §2.5 (SL 21)' },
  // §2.6 hazchem process points (plant DCS/SIS setpoints).
  tank_level: { family: 'process', zh: '储罐液位', metrics: { level: num('m', '液位', [0, 50]) }, intervalS: 60, source: 'domain.md §2.6' },
  process_temp: { family: 'process', zh: '工艺温度', metrics: { temp: num('°C', '温度', [-50, 600]) }, intervalS: 60, source: 'domain.md §2.6' },
  process_pressure: { family: 'process', zh: '工艺压力', metrics: { pressure: num('MPa', '压力', [-0.1, 40]) }, intervalS: 60, source: 'domain.md §2.6' },
} as const satisfies Record<string, SensorTypeDef>;

export type SensorTypeId = keyof typeof SENSOR_TYPES;
export const SENSOR_TYPE_IDS = Object.keys(SENSOR_TYPES) as SensorTypeId[];

export function sensorType(id: string): SensorTypeDef | undefined {
  return (SENSOR_TYPES as Record<string, SensorTypeDef>)[id];
}
