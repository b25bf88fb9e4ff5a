// The electricity pack's working-pattern decisions (domain.md §2.4.1): the forbidden night window follows the
// plant's profile, as the scenario shutdown-violation showed (a two-shift and an in-season sugar plant were
// called night workers by the 22:00 default).
import { describe, expect, it } from 'vitest';
import type { SensorInfo, SiteDef } from '../../core/registry.ts';
import { nightWindow, powerMeter } from './electricity.ts';

type Params = Record<string, string | number | boolean>;

const meter = (params: Params = {}): SensorInfo => ({
  id: 'pm-01', type: 'power_meter', name: 'pm', area: null, item: null, commissioned: '2024-01-01', params, relations: [],
  enterpriseId: 'e1', siteId: 's1', deviceIds: ['d1'], commissionedMs: Date.parse('2024-01-01'),
});
const site = (params: Params = {}): SiteDef => ({ id: 's1', name: 's1', kind: 'factory', location: { lat: 24, lon: 102 }, areas: [], items: [], params, sensors: [] });
const offHours = powerMeter.find((r) => r.id === 'off_hours_work')!;

describe('nightWindow: the §2.4.1 forbidden window by working pattern', () => {
  const cases: { why: string; profile: string | undefined; want: { from: string; to: string } | null }[] = [
    { why: 'day shift: the §2.4.1 default 22:00–06:00', profile: 'day_shift', want: { from: '22:00', to: '06:00' } },
    { why: 'no profile given: the §2.4.1 default', profile: undefined, want: { from: '22:00', to: '06:00' } },
    { why: 'two shifts: the second shift runs until midnight, so night work starts at 00:00', profile: 'two_shift', want: { from: '00:00', to: '06:00' } },
    { why: 'continuous process: flat 70–95 % around the clock, no night window', profile: 'continuous', want: null },
    { why: 'seasonal (sugar 榨季): around the clock in season, idle out of it, no night window', profile: 'seasonal', want: null },
  ];
  it.each(cases)('$why', ({ profile, want }) => {
    expect(nightWindow(profile)).toEqual(want);
  });
});

describe('power_meter.off_hours_work params', () => {
  const cases: { why: string; s: Params; site: Params; windows: { from: string; to: string }[] | null }[] = [
    { why: 'a day-shift site gets 22:00–06:00, holidays forbidden, yellow above 40 %', s: {}, site: { profile: 'day_shift' }, windows: [{ from: '22:00', to: '06:00' }] },
    { why: 'a two-shift site gets 00:00–06:00', s: {}, site: { profile: 'two_shift' }, windows: [{ from: '00:00', to: '06:00' }] },
    { why: 'the meter\'s own profile wins over the site\'s', s: { profile: 'two_shift' }, site: { profile: 'day_shift' }, windows: [{ from: '00:00', to: '06:00' }] },
    { why: 'a seasonal site has no night rule', s: {}, site: { profile: 'seasonal', season: 'sugar' }, windows: null },
    { why: 'a continuous meter has no night rule', s: { profile: 'continuous' }, site: {}, windows: null },
  ];
  it.each(cases)('$why', ({ s, site: sp, windows }) => {
    const built = offHours.params(meter(s), site(sp), { id: 'e1', sector: 'dust' });
    if (windows === null) expect(built).toBeNull();
    else expect(built?.params).toEqual({ rule: 'off_hours_work', windows, holidays: true, ratio: 0.4, level: 'yellow' });
  });
});
