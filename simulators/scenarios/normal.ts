// normal: no incidents. History per the default windows, then live at nominal intervals; the seeded
// weather still rains in the rainy season.
import { DEFAULT_BACKFILL_MS } from './select.ts';
import type { Scenario } from './types.ts';

export const normal: Scenario = {
  name: 'normal',
  description: 'Everything healthy: backfilled baselines, then live readings at nominal intervals.',
  build: () => ({ name: 'normal', description: normal.description, backfillMs: { ...DEFAULT_BACKFILL_MS }, events: [], liveIntervalS: {}, facts: {} }),
};
