// A synthetic registry for load tests (`riskwatch simulate --sensors 10000`): N sensors over D devices
// (connections), enterprises `load-001…` of about 10 devices each, credential `demo`. Each enterprise is
// one site of a kind (chemical plant, coal mine, dust workshop, tailings pond, factory) filled with
// repetitions of that kind's kit, params and relations as docs/registry.md describes, so every scenario
// finds its targets and every model its couplings.
import type { DeviceDef, EnterpriseDef, RegistryDef, SensorDef, SiteDef } from '../core/registry.ts';

export interface SyntheticOptions {
  sensors: number;
  devices: number;
  /** Devices are gateways (one batch per tick) instead of sensor-kind devices (one topic per sensor). */
  gatewayBatch?: boolean;
  /** Commissioning date of every sensor (ISO date; default 2024-01-01). */
  commissioned?: string;
}

type Params = Record<string, number | string | boolean>;
interface Template { id: string; type: string; area: string; params?: Params; rel?: [kind: 'feed' | 'fan' | 'neighbour' | 'meter', id: string][] }
interface Kit { kind: SiteDef['kind']; sector: EnterpriseDef['sector']; zh: string; params: Params; sensors: Template[] }

const KITS: Kit[] = [
  {
    kind: 'chemical_plant', sector: 'hazchem', zh: '化工', params: { profile: 'continuous' },
    sensors: [
      { id: 'lel-a', type: 'gas_combustible', area: 'unit', params: { gas: 'CH4', alarm1: 25, alarm2: 50 }, rel: [['neighbour', 'lel-b']] },
      { id: 'lel-b', type: 'gas_combustible', area: 'unit', params: { gas: 'CH4', alarm1: 25, alarm2: 50 }, rel: [['neighbour', 'lel-a']] },
      { id: 'h2s', type: 'gas_h2s', area: 'unit', params: { alarm1: 7, alarm2: 14 } },
      { id: 'o2', type: 'gas_o2', area: 'unit', params: { low: 19.5, high: 23.5 } },
      { id: 'lt', type: 'tank_level', area: 'tanks', params: { height: 12 } },
      { id: 'te', type: 'process_temp', area: 'unit', params: { high: 120, highHigh: 130 } },
      { id: 'pt', type: 'process_pressure', area: 'unit', params: { design: 1.6 } },
      { id: 'pm', type: 'power_meter', area: 'power', params: { ratedKw: 5000, profile: 'continuous' } },
      { id: 'ir', type: 'residual_current', area: 'power', params: { alarm: 300 }, rel: [['meter', 'pm']] },
      { id: 'tc', type: 'cable_temp', area: 'power', params: { insulation: 'XLPE' }, rel: [['meter', 'pm']] },
    ],
  },
  {
    kind: 'coal_mine', sector: 'coal', zh: '煤矿', params: { profile: 'continuous', gasClass: 'high_gas' },
    sensors: [
      { id: 'ch4-face', type: 'mine_ch4', area: 'heading', params: { location: 'heading', alarm: 1.0, cutPower: 1.5, restore: 1.0 }, rel: [['feed', 'feed'], ['fan', 'fan']] },
      { id: 'ch4-ret', type: 'mine_ch4', area: 'heading', params: { location: 'T2', alarm: 1.0, cutPower: 1.0, restore: 1.0 }, rel: [['feed', 'feed'], ['fan', 'fan']] },
      { id: 'co', type: 'mine_co', area: 'heading', params: { alarm: 24 } },
      { id: 'wind', type: 'mine_wind', area: 'heading', params: { minVelocity: 0.25, maxVelocity: 4 } },
      { id: 'fan', type: 'mine_fan', area: 'heading' },
      { id: 'feed', type: 'mine_feed', area: 'heading' },
      { id: 'pm', type: 'power_meter', area: 'surface', params: { ratedKw: 4000, profile: 'continuous' } },
    ],
  },
  {
    kind: 'dust_workshop', sector: 'dust', zh: '粉尘涉爆', params: { profile: 'day_shift', dust: 'wood' },
    sensors: [
      { id: 'dp', type: 'dust_dp', area: 'line', params: { collector: 'dc', baselinePa: 1000 }, rel: [['meter', 'pm']] },
      { id: 'temp', type: 'dust_hopper_temp', area: 'line', params: { collector: 'dc' } },
      { id: 'valve', type: 'dust_valve', area: 'line', params: { collector: 'dc' } },
      { id: 'spark', type: 'dust_spark', area: 'line', params: { collector: 'dc' } },
      { id: 'pm', type: 'power_meter', area: 'power', params: { ratedKw: 600, profile: 'day_shift' } },
      { id: 'ir', type: 'residual_current', area: 'power', params: { alarm: 300 }, rel: [['meter', 'pm']] },
      { id: 'tc', type: 'cable_temp', area: 'power', params: { insulation: 'PVC' }, rel: [['meter', 'pm']] },
    ],
  },
  {
    kind: 'tailings_pond', sector: 'tailings', zh: '尾矿库', params: { profile: 'continuous' },
    sensors: [
      { id: 'rg', type: 'rain_gauge', area: 'pond' },
      { id: 'wl', type: 'tailings_pond_level', area: 'pond', params: { operatingLevel: 1850, preFloodLevel: 1850.6, designMaxFloodLevel: 1851.8, beachSlope: 0.01 } },
      { id: 'gt', type: 'tailings_beach', area: 'pond', params: { minLength: 70, normalLength: 200 } },
      { id: 'pz', type: 'tailings_phreatic', area: 'dam', params: { controlDepth: 5, normalDepth: 10 } },
      { id: 'gp-a', type: 'tailings_gnss', area: 'dam', params: { normalCreepMmPerDay: 0.1 } },
      { id: 'gp-b', type: 'tailings_gnss', area: 'dam', params: { normalCreepMmPerDay: 0.1 } },
    ],
  },
  {
    kind: 'factory', sector: 'other', zh: '工厂', params: { profile: 'two_shift' },
    sensors: [
      { id: 'pm', type: 'power_meter', area: 'power', params: { ratedKw: 800, profile: 'two_shift' } },
      { id: 'ir', type: 'residual_current', area: 'power', params: { alarm: 300 }, rel: [['meter', 'pm']] },
      { id: 'tc', type: 'cable_temp', area: 'power', params: { insulation: 'PVC' }, rel: [['meter', 'pm']] },
    ],
  },
];

const COUNTIES = ['530102', '530302', '530402', '530425', '530802', '530927', '533401'];
const DEVICES_PER_ENTERPRISE = 10;

const share = (total: number, parts: number, i: number) => Math.floor(total / parts) + (i < total % parts ? 1 : 0);

function sensorsFor(kit: Kit, n: number, commissioned: string, sugar: boolean): { sensors: SensorDef[]; areas: string[] } {
  const sensors: SensorDef[] = [];
  const areas = new Set<string>();
  for (let i = 0; sensors.length < n; i++) {
    const rep = String(i + 1).padStart(3, '0');
    for (const t of kit.sensors) {
      if (sensors.length >= n) break;
      const area = `${t.area}-${rep}`;
      areas.add(area);
      const params: Params = { ...(t.params ?? {}) };
      if (sugar && t.type === 'power_meter') params.profile = 'seasonal';
      sensors.push({
        id: `${t.id}-${rep}`,
        type: t.type as SensorDef['type'],
        name: `${kit.zh} ${t.id} #${rep}`,
        area,
        commissioned,
        params,
        relations: (t.rel ?? []).map(([kind, id]) => ({ kind, sensor: `${id}-${rep}` })),
      });
    }
  }
  const ids = new Set(sensors.map((s) => s.id));
  for (const s of sensors) s.relations = s.relations.filter((r) => ids.has(r.sensor));
  return { sensors, areas: [...areas] };
}

export function syntheticRegistry(o: SyntheticOptions): RegistryDef {
  const n = Math.max(1, Math.floor(o.sensors));
  const d = Math.max(1, Math.min(n, Math.floor(o.devices)));
  // At least one enterprise of each kind once there are enough devices, so every scenario finds its site.
  const e = Math.max(1, Math.ceil(d / DEVICES_PER_ENTERPRISE), Math.min(KITS.length, d));
  const width = Math.max(3, String(e).length);
  const enterprises: EnterpriseDef[] = [];
  for (let i = 0; i < e; i++) {
    const kit = KITS[i % KITS.length] as Kit;
    const sugar = kit.kind === 'dust_workshop' && Math.floor(i / KITS.length) % 2 === 1;
    const { sensors, areas } = sensorsFor(kit, share(n, e, i), o.commissioned ?? '2024-01-01', sugar);
    const deviceCount = share(d, e, i);
    const devices: DeviceDef[] = [];
    for (let k = 0, from = 0; k < deviceCount; k++) {
      const size = share(sensors.length, deviceCount, k);
      devices.push({
        id: `dev-${String(k + 1).padStart(3, '0')}`,
        name: `${kit.zh} 采集设备 ${k + 1}`,
        kind: o.gatewayBatch ? 'gateway' : 'sensor',
        sensors: sensors.slice(from, from + size).map((s) => s.id),
        credential: 'demo',
      });
      from += size;
    }
    const id = `load-${String(i + 1).padStart(width, '0')}`;
    const site: SiteDef = {
      id: 'site-1',
      name: `${kit.zh} 监测场所`,
      kind: kit.kind,
      location: { lat: 22 + ((i * 0.37) % 6), lon: 98 + ((i * 0.53) % 7) },
      tailings: kit.kind === 'tailings_pond' ? { grade: 3, wet: true, headTop: false, evacuationLeadMinutes: 60 } : null,
      areas: areas.map((a) => ({ id: a, name: a })),
      items: [],
      params: sugar ? { ...kit.params, profile: 'seasonal', season: 'sugar', seasonFrom: '11-01', seasonTo: '04-30', dust: 'sugar' } : { ...kit.params },
      sensors,
    };
    enterprises.push({
      id,
      name: `负载测试企业 ${id}`,
      county: COUNTIES[i % COUNTIES.length] as string,
      sector: kit.sector,
      state: { state: 'normal' },
      sites: [site],
      devices,
    });
  }
  return { enterprises, users: [] };
}
