// The riskwatch dashboards and their file names under dashboards/grafana/dashboards/ (docs/grafana.md).
import { alerts } from './alerts.ts';
import { dust } from './dust.ts';
import { electricity } from './electricity.ts';
import { gas } from './gas.ts';
import type { Obj } from './grafana.ts';
import { methane } from './methane.ts';
import { overview } from './overview.ts';
import { quality } from './quality.ts';
import { tailings } from './tailings.ts';

export const DASHBOARDS: Readonly<Record<string, Obj>> = {
  'overview.json': overview,
  'gas.json': gas,
  'coal-methane.json': methane,
  'dust.json': dust,
  'electricity.json': electricity,
  'tailings.json': tailings,
  'alerts.json': alerts,
  'data-quality.json': quality,
};

/** The committed form: two-space JSON with a final newline. */
export const render = (d: Obj): string => `${JSON.stringify(d, null, 2)}\n`;
