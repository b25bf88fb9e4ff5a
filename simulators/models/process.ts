// Hazchem process points (domain.md §2.6): tank level, process temperature and pressure near their
// operating values with slow cycles and instrument noise. Operating values come from params `level`,
// `temp`, `pressure` when given, else from the design facts of docs/registry.md: 40–70 % of the tank
// `height`, 75–85 % of the `high` temperature, 60–80 % of the `design` pressure.
import { OU, Rng, seedOf } from '../rng.ts';
import { DAY_MS, HOUR_MS } from '../time.ts';
import { numOr, paramsOf, quantise, type ModelContext, type SensorModel } from '../model.ts';

function tankLevel(ctx: ModelContext): SensorModel {
  const p = paramsOf({ sensor: ctx.sensor, site: { params: {} } });
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  // params `height` (docs/registry.md): operate around 40–70 % of it (between L 10 % and H 85 %).
  const height = numOr(p, 'height', () => shape.uniform(8, 16));
  const level0 = numOr(p, 'level', () => height * shape.uniform(0.4, 0.7));
  const amplitude = level0 * shape.uniform(0.05, 0.15); // receipt / send-out cycle
  const period = shape.uniform(1, 3) * DAY_MS;
  const phase = shape.uniform(0, 2 * Math.PI);
  const wander = new OU(rng.fork('wander'), 6 * HOUR_MS, level0 * 0.01);
  return {
    sample(t) {
      const l = level0 + amplitude * Math.sin((2 * Math.PI * t) / period + phase) + wander.at(t) + rng.truncNormal(0.005);
      return { values: { level: quantise(Math.max(0, l), 0.001) }, quality: 'ok' };
    },
  };
}

function processTemp(ctx: ModelContext): SensorModel {
  const p = paramsOf({ sensor: ctx.sensor, site: { params: {} } });
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  const high = numOr(p, 'high', () => shape.uniform(60, 120));
  const temp0 = numOr(p, 'temp', () => high * shape.uniform(0.75, 0.85));
  const wander = new OU(rng.fork('wander'), HOUR_MS, Math.max(0.3, Math.abs(temp0) * 0.01));
  return { sample: (t) => ({ values: { temp: quantise(temp0 + wander.at(t) + rng.truncNormal(0.1), 0.1) }, quality: 'ok' }) };
}

function processPressure(ctx: ModelContext): SensorModel {
  const p = paramsOf({ sensor: ctx.sensor, site: { params: {} } });
  const shape = new Rng(seedOf(ctx.seed, 'shape'));
  const rng = new Rng(ctx.seed);
  const design = numOr(p, 'design', () => shape.uniform(0.3, 2.5));
  const p0 = numOr(p, 'pressure', () => design * shape.uniform(0.6, 0.8));
  const wander = new OU(rng.fork('wander'), HOUR_MS, p0 * 0.01);
  return { sample: (t) => ({ values: { pressure: quantise(p0 + wander.at(t) + rng.truncNormal(p0 * 0.003), 0.001) }, quality: 'ok' }) };
}

export function createProcessModel(ctx: ModelContext): SensorModel {
  switch (ctx.sensor.type) {
    case 'tank_level': return tankLevel(ctx);
    case 'process_temp': return processTemp(ctx);
    case 'process_pressure': return processPressure(ctx);
    default: throw new Error(`process model: unsupported sensor type ${ctx.sensor.type}`);
  }
}
