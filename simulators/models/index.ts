// One table from sensor family to model factory (architecture.md "registries throw on unknown keys").
import { sensorType, type SensorTypeDef } from '../../core/sensor-types.ts';
import type { ModelFactory, ModelContext, SensorModel } from '../model.ts';
import { createGasModel } from './gas.ts';
import { createMethaneModel } from './methane.ts';
import { createDustModel } from './dust.ts';
import { createElectricityModel } from './electricity.ts';
import { createTailingsModel } from './tailings.ts';
import { createProcessModel } from './process.ts';

export const MODEL_FACTORIES: Readonly<Record<SensorTypeDef['family'], ModelFactory>> = {
  gas: createGasModel,
  coal: createMethaneModel,
  dust: createDustModel,
  electricity: createElectricityModel,
  tailings: createTailingsModel,
  process: createProcessModel,
};

export function createModel(ctx: ModelContext): SensorModel {
  const type = sensorType(ctx.sensor.type);
  if (!type) throw new Error(`no sensor type ${ctx.sensor.type}; known: ${Object.keys(MODEL_FACTORIES).join(', ')}`);
  return MODEL_FACTORIES[type.family](ctx);
}
