// Tailings-pond sensors (domain.md §2.5): rain gauge, pond level, dry beach, phreatic wells, GNSS.
// All read the site's shared Hydrology (models/hydrology.ts), so rain → level → beach → phreatic stay
// coupled; GNSS adds creep, a rain-season step, multipath outliers and the accelerating pre-failure creep.
import { OU, Rng, seedOf } from '../rng.ts';
import { DAY_MS } from '../time.ts';
import { eventsOfKind } from '../events.ts';
import { keyOf, numOr, paramsOf, quantise, siteKeyOf, type ModelContext, type SensorModel } from '../model.ts';
import { beachGeometry, beachLength } from './hydrology.ts';
import { creepDisplacementMm } from './creep.ts';
import { sensorType } from '../../core/sensor-types.ts';

function hydrologyOf(ctx: ModelContext) {
  return ctx.world.hydrology(siteKeyOf({ enterpriseId: ctx.sensor.enterpriseId, siteId: ctx.sensor.siteId }));
}

/** Tipping-bucket gauge (0.2 mm per tip, SL 21): rain over the interval since the last reading. */
function rainGauge(ctx: ModelContext): SensorModel {
  const weather = ctx.world.weather(siteKeyOf({ enterpriseId: ctx.sensor.enterpriseId, siteId: ctx.sensor.siteId }));
  const nominalMs = (sensorType(ctx.sensor.type)?.intervalS ?? 600) * 1000;
  let last: number | null = null;
  let carry = 0;
  return {
    sample(t) {
      const from = last ?? t - nominalMs;
      last = t;
      const mm = weather.rainMm(from, t) + carry;
      const tips = Math.floor(mm / 0.2 + 1e-9);
      carry = mm - tips * 0.2;
      return { values: { rain: quantise(tips * 0.2, 0.2) }, quality: 'ok' };
    },
  };
}

/** Radar level gauge, σ ≈ 5 mm (GB 51108 §6.4: two readings within 10 mm). */
function pondLevel(ctx: ModelContext): SensorModel {
  const hydro = hydrologyOf(ctx);
  const rng = new Rng(ctx.seed);
  return { sample: (t) => ({ values: { level: quantise(hydro.level(t) + rng.truncNormal(0.005), 0.001) }, quality: 'ok' }) };
}

/** Dry-beach length driven by the pond level through the beach slope (never simulated on its own). */
function beach(ctx: ModelContext): SensorModel {
  const hydro = hydrologyOf(ctx);
  const geometry = beachGeometry(ctx.sensor.params, hydro.params);
  const rng = new Rng(ctx.seed);
  return {
    sample: (t) => ({ values: { length: quantise(Math.max(0, beachLength(hydro.level(t), geometry) + rng.truncNormal(0.3)), 0.1) }, quality: 'ok' }),
  };
}

/** Phreatic burial depth: normal 5–20 m, σ 0.02–0.05 m; falls as the lagged phreatic surface rises. */
function phreatic(ctx: ModelContext): SensorModel {
  const hydro = hydrologyOf(ctx);
  const p = paramsOf({ sensor: ctx.sensor, site: { params: {} } });
  const rng = new Rng(ctx.seed);
  const depth0 = numOr(p, 'normalDepth', () => numOr(p, 'depth0', () => rng.uniform(5, 20)));
  const gain = numOr(p, 'gain', () => rng.uniform(0.7, 1.3));
  const sd = rng.uniform(0.02, 0.05);
  return {
    sample: (t) => ({ values: { depth: quantise(Math.max(0, depth0 - gain * hydro.phreaticRise(t) + rng.truncNormal(sd)), 0.01) }, quality: 'ok' }),
  };
}

/**
 * GNSS surface displacement (mm, east/north/height from the reference epoch = commissioning):
 * creep 0–0.2 mm/d downstream plus a small step per mm of rain; noise σ 2–3 mm horizontal, 4–6 mm
 * vertical; multipath outliers of 10–30 mm in single epochs (~1 %); accelerating creep before failure.
 * After the failure time the station is lost: quality `fault`, last values.
 */
function gnss(ctx: ModelContext): SensorModel {
  const hydro = hydrologyOf(ctx);
  const key = keyOf(ctx.sensor);
  const p = paramsOf(ctx);
  const rng = new Rng(ctx.seed);
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const creep = numOr(p, 'normalCreepMmPerDay', () => shape.uniform(0, 0.2));
  // Downstream direction of the dam (params `azimuthDeg`, else one seeded direction per site).
  const siteKey = siteKeyOf({ enterpriseId: ctx.sensor.enterpriseId, siteId: ctx.sensor.siteId });
  const azimuth = (numOr(p, 'azimuthDeg', () => new Rng(seedOf(ctx.world.seed, siteKey, 'azimuth')).uniform(0, 360)) * Math.PI) / 180;
  const sdH = shape.uniform(2, 3);
  const sdV = shape.uniform(4, 6);
  const settle = shape.uniform(0.2, 0.5); // vertical settlement per mm of downstream movement
  const failures = eventsOfKind(ctx.world.events, 'creep_failure').flatMap((e) =>
    e.sensors.filter((s) => s.sensor === key).map((s) => ({ at: e.at, failureMs: e.failureMs, a: s.amplitudeMm })),
  );
  const slowWander = new OU(rng.fork('wander'), 2 * DAY_MS, 0.8);
  let last: Record<string, number> = { dx: 0, dy: 0, dh: 0 };
  return {
    sample(t) {
      if (failures.some((f) => t >= f.failureMs)) return { values: { ...last }, quality: 'fault' };
      let d = (creep * Math.max(0, t - ctx.sensor.commissionedMs)) / DAY_MS + 0.005 * hydro.rainSinceOrigin(t);
      for (const f of failures) d += creepDisplacementMm(t, f.at, f.failureMs, f.a);
      d += slowWander.at(t);
      let jx = 0;
      let jy = 0;
      let jh = 0;
      if (rng.chance(0.01)) {
        const m = rng.uniform(10, 30);
        const dir = rng.uniform(0, 2 * Math.PI);
        jx = m * Math.sin(dir);
        jy = m * Math.cos(dir);
        jh = rng.uniform(-1.5, 1.5) * m;
      }
      last = {
        dx: quantise(d * Math.sin(azimuth) + rng.gaussian(0, sdH) + jx, 0.1),
        dy: quantise(d * Math.cos(azimuth) + rng.gaussian(0, sdH) + jy, 0.1),
        dh: quantise(-settle * d + rng.gaussian(0, sdV) + jh, 0.1),
      };
      return { values: { ...last }, quality: 'ok' };
    },
  };
}

export function createTailingsModel(ctx: ModelContext): SensorModel {
  switch (ctx.sensor.type) {
    case 'rain_gauge': return rainGauge(ctx);
    case 'tailings_pond_level': return pondLevel(ctx);
    case 'tailings_beach': return beach(ctx);
    case 'tailings_phreatic': return phreatic(ctx);
    case 'tailings_gnss': return gnss(ctx);
    default: throw new Error(`tailings model: unsupported sensor type ${ctx.sensor.type}`);
  }
}
