// The device-track pack (domain.md §2 "quality ≠ ok … device alarms on a separate track"): timings per type.
import { describe, expect, it } from 'vitest';
import { healthParams, SKEW_MS } from './health.ts';

describe('healthParams', () => {
  const cases: { why: string; type: Parameters<typeof healthParams>[0]; want: Record<string, unknown> }[] = [
    { why: 'meter silent after 2 missed 15-min intervals (domain.md §2.4.1 "no data for > 2 intervals")', type: 'power_meter', want: { silentAfterS: 1800, stuckMinS: 6 * 3600 } },
    { why: '10 s mine sensors: 3 intervals floored at 60 s (tolerates the 40 s hot-standby switch-over, AQ 1029)', type: 'mine_ch4', want: { silentAfterS: 60, stuckMinS: 7200, stuckSamples: 720 } },
    { why: 'a gas detector at 0 %LEL is legitimately flat: stuck raises nothing', type: 'gas_combustible', want: { silentAfterS: 180, levels: { stuck: 'none' } } },
    { why: 'a GNSS point is stuck after a day of identical epochs (σ 2–3 mm noise, §2.5), at least 6 samples', type: 'tailings_gnss', want: { stuckMinS: 86_400, stuckSamples: 144 } },
  ];
  it.each(cases)('$why', ({ type, want }) => {
    expect(healthParams(type)).toMatchObject(want);
  });

  it('flags clock skew below the 5-min future limit of ingest (RW_ERR_TS_FUTURE), for every type', () => {
    expect(SKEW_MS).toBeLessThan(5 * 60_000);
    for (const t of ['power_meter', 'mine_ch4', 'gas_combustible', 'rain_gauge'] as const) expect(healthParams(t).skewMs).toBe(SKEW_MS);
  });
});
