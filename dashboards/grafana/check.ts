// Runs a dashboard's queries the way Grafana would, against any InfluxDB: the variables first (in order,
// each expanded with the ones before it), then every panel target and annotation with `$timeFilter`,
// `$__interval` … and the variables expanded (expand.ts). Independent of where the data came from
// (dashboards.test.ts feeds it a real demo run through the platform's writer).
import { formatVariable, interpolate, queryTime, type PanelTiming, type VariableState } from './expand.ts';

type J = Record<string, unknown>;

export interface Series { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }
/** Runs one InfluxQL statement; throws when InfluxDB refuses it. */
export type Run = (query: string) => Promise<Series[]>;

export interface DashboardQuery {
  /** Where it comes from, for messages: `panel 3 "甲烷浓度…" A`, `annotation 报警事件`, `variable county`. */
  origin: string;
  kind: 'panel' | 'annotation' | 'variable';
  query: string;
  timing: PanelTiming;
}

const asArray = (v: unknown): J[] => (Array.isArray(v) ? (v as J[]) : []);

/** Panels, including those nested in collapsed rows. */
export function allPanels(d: J): J[] {
  return asArray(d.panels).flatMap((p) => [p, ...asArray(p.panels)]);
}

/** Every query of a dashboard: variables (query type), panel targets, annotations. */
export function dashboardQueries(d: J): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const v of asArray((d.templating as J | undefined)?.list)) {
    if (v.type === 'query') out.push({ origin: `variable ${String(v.name)}`, kind: 'variable', query: String(v.query), timing: {} });
  }
  for (const p of allPanels(d)) {
    const w = (p.gridPos as { w?: number } | undefined)?.w ?? 12;
    const timing: PanelTiming = {
      ...(typeof p.interval === 'string' ? { minInterval: p.interval } : {}),
      ...(typeof p.timeShift === 'string' ? { timeShift: p.timeShift } : {}),
      maxDataPoints: typeof p.maxDataPoints === 'number' ? p.maxDataPoints : w * 75,
    };
    for (const t of asArray(p.targets)) out.push({ origin: `panel ${String(p.id)} "${String(p.title)}" ${String(t.refId)}`, kind: 'panel', query: String(t.query), timing });
  }
  for (const a of asArray((d.annotations as J | undefined)?.list)) {
    const q = (a.target as J | undefined)?.query ?? a.query;
    if (typeof q === 'string') out.push({ origin: `annotation ${String(a.name)}`, kind: 'annotation', query: q, timing: {} });
  }
  return out;
}

/** Every `datasource` reference anywhere in the JSON, with its path. */
export function datasourceRefs(node: unknown, path = '$'): { path: string; ref: unknown }[] {
  if (Array.isArray(node)) return node.flatMap((x, i) => datasourceRefs(x, `${path}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as J).flatMap(([k, v]) => [...(k === 'datasource' ? [{ path: `${path}.${k}`, ref: v }] : []), ...datasourceRefs(v, `${path}.${k}`)]);
}

/**
 * Variable values as Grafana would send them. `all`: every variable at "All" (its custom all value, `.*`);
 * `pick`: the first two options of each (sorted), so multi-value regex groups and the chain are exercised.
 * Options of query variables come from running their `SHOW TAG VALUES` with the earlier variables expanded.
 */
export async function resolveVariables(d: J, run: Run, now: number, mode: 'all' | 'pick'): Promise<{ vars: Record<string, string>; options: Record<string, string[]> }> {
  const vars: Record<string, string> = {};
  const options: Record<string, string[]> = {};
  const time = queryTime(d.time as { from: string; to: string }, {}, now);
  for (const v of asArray((d.templating as J | undefined)?.list)) {
    const name = String(v.name);
    let values: string[];
    if (v.type === 'query') {
      const series = await run(interpolate(String(v.query), time, vars));
      values = [...new Set(series.flatMap((s) => s.values.map((row) => String(row[s.columns.indexOf('value')]))))].sort();
    } else if (v.type === 'custom') {
      values = asArray(v.options).map((o) => String(o.value));
    } else {
      throw new Error(`variable ${name}: type ${String(v.type)} is not supported by this runner`);
    }
    options[name] = values;
    const state: VariableState = mode === 'all' ? { values, all: true, allValue: (v.allValue as string | null | undefined) ?? null } : { values: values.slice(0, 2), all: false };
    vars[name] = formatVariable(state);
  }
  return { vars, options };
}

export interface QueryOutcome extends DashboardQuery {
  expanded: string;
  series: number;
  rows: number;
  error: string | null;
}

/** Runs every panel and annotation query of a dashboard (variables resolved in `mode`). */
export async function runDashboard(d: J, run: Run, now: number, mode: 'all' | 'pick'): Promise<{ outcomes: QueryOutcome[]; options: Record<string, string[]> }> {
  const { vars, options } = await resolveVariables(d, run, now, mode);
  const outcomes: QueryOutcome[] = [];
  for (const q of dashboardQueries(d)) {
    if (q.kind === 'variable') {
      outcomes.push({ ...q, expanded: q.query, series: 1, rows: options[q.origin.slice('variable '.length)]?.length ?? 0, error: null });
      continue;
    }
    const expanded = interpolate(q.query, queryTime(d.time as { from: string; to: string }, q.timing, now), vars);
    try {
      const series = await run(expanded);
      outcomes.push({ ...q, expanded, series: series.length, rows: series.reduce((n, s) => n + s.values.length, 0), error: null });
    } catch (err) {
      outcomes.push({ ...q, expanded, series: 0, rows: 0, error: (err as Error).message });
    }
  }
  return { outcomes, options };
}
