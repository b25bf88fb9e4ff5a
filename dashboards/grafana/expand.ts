// What Grafana does to an InfluxQL query before sending it (the InfluxDB data source's interpolation), enough
// to run the dashboards' queries outside Grafana: `$timeFilter`, `$__interval`, `$__interval_ms`, `$__range*`,
// `$__from`/`$__to`, and template variables (`$name`, `${name}`, `[[name]]`), multi-value ones as a regex group
// `(a|b)` for `=~ /^$name$/`. Pure; dashboards.test.ts runs the result against influxd.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000, y: 31_536_000_000 };

/** `15m`, `1h`, `7d`, `500ms` → milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w|M|y)$/.exec(s.trim());
  if (!m) throw new Error(`not a Grafana duration: ${s}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** `now`, `now-6h`, `now-30d`, or epoch ms → epoch ms. */
export function parseTime(expr: string, now: number): number {
  if (/^\d+$/.test(expr)) return Number(expr);
  const m = /^now(?:-(\d+(?:ms|s|m|h|d|w|M|y)))?$/.exec(expr);
  if (!m) throw new Error(`unsupported time expression: ${expr}`);
  return m[1] ? now - parseDuration(m[1]) : now;
}

/** Grafana's interval rounding (rangeutil.roundInterval): the auto interval snaps to these widths. */
const ROUND: [upTo: number, to: number][] = [
  [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1500, 1000], [3500, 2000], [7500, 5000], [12_500, 10_000],
  [17_500, 15_000], [25_000, 20_000], [45_000, 30_000], [90_000, 60_000], [210_000, 120_000], [450_000, 300_000], [780_000, 600_000],
  [1_350_000, 900_000], [2_700_000, 1_800_000], [5_400_000, 3_600_000], [9_000_000, 7_200_000], [16_200_000, 10_800_000],
  [32_400_000, 21_600_000], [86_400_000, 43_200_000], [604_800_000, 86_400_000], [1_814_400_000, 604_800_000], [3_628_800_000, 2_592_000_000],
];
export function roundInterval(ms: number): number {
  for (const [upTo, to] of ROUND) if (ms <= upTo) return to;
  return 31_536_000_000;
}

/** The shortest InfluxQL duration literal: `1d`, `15m`, `30s`, `500ms`. */
export function formatInterval(ms: number): string {
  for (const u of ['d', 'h', 'm', 's'] as const) if (ms % UNIT_MS[u]! === 0) return `${ms / UNIT_MS[u]!}${u}`;
  return `${ms}ms`;
}

export interface PanelTiming {
  /** Panel "Min interval" (`interval`), e.g. `15m`. */
  minInterval?: string;
  /** Panel time shift, e.g. `7d`. */
  timeShift?: string;
  maxDataPoints?: number;
}

export interface QueryTime {
  fromMs: number;
  toMs: number;
  intervalMs: number;
}

/** The range and `$__interval` Grafana would use for a panel of a dashboard whose time is `time`. */
export function queryTime(time: { from: string; to: string }, panel: PanelTiming, now: number): QueryTime {
  const shift = panel.timeShift ? parseDuration(panel.timeShift) : 0;
  const fromMs = parseTime(time.from, now) - shift;
  const toMs = parseTime(time.to, now) - shift;
  const auto = roundInterval((toMs - fromMs) / (panel.maxDataPoints ?? 1000));
  const min = panel.minInterval ? parseDuration(panel.minInterval) : 0;
  return { fromMs, toMs, intervalMs: Math.max(auto, min, 1) };
}

/** Regex metacharacters of a variable value escaped, as Grafana's InfluxDB data source does for regex use. */
export const regexEscape = (v: string): string => v.replace(/[\\^$.|?*+()[\]{}/]/g, '\\$&');

export interface VariableState {
  /** The selected values (all options when `all`). */
  values: string[];
  all: boolean;
  /** Custom "All" value (`.*`), sent unescaped. */
  allValue?: string | null;
}

/** A multi-value/include-All variable as Grafana formats it for InfluxQL: the custom all value, one escaped value, or `(a|b)`. */
export function formatVariable(v: VariableState): string {
  if (v.all && v.allValue) return v.allValue;
  const escaped = v.values.map(regexEscape);
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
}

/** Replaces Grafana's built-in and template variables in a query; throws on a variable it does not know. */
export function interpolate(query: string, t: QueryTime, vars: Readonly<Record<string, string>>): string {
  const rangeMs = t.toMs - t.fromMs;
  const builtins: Record<string, string> = {
    timeFilter: `time >= ${t.fromMs}ms and time <= ${t.toMs}ms`,
    __interval: formatInterval(t.intervalMs),
    __interval_ms: String(t.intervalMs),
    __range: `${Math.floor(rangeMs / 1000)}s`,
    __range_s: String(Math.floor(rangeMs / 1000)),
    __range_ms: String(rangeMs),
    __from: String(t.fromMs),
    __to: String(t.toMs),
  };
  return query.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (whole, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    const v = builtins[name] ?? vars[name];
    if (v === undefined) throw new Error(`unknown variable ${whole} in: ${query}`);
    return v;
  });
}
