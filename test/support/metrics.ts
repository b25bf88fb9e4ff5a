// The platform's /metrics (Prometheus text) as the tests read it: every sample with its labels, and the value of
// one metric, summed over the samples whose labels include the ones asked for.
export interface MetricSample { name: string; labels: Record<string, string>; value: number }

export function parseMetrics(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples of `name` whose labels include `labels` (an unlabelled metric: its one sample); NaN
 * when no sample matches, so that a missing metric never passes for 0. */
export function metricValue(samples: readonly MetricSample[], name: string, labels: Record<string, string> = {}): number {
  const hit = samples.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return hit.length === 0 ? NaN : hit.reduce((a, x) => a + x.value, 0);
}

export async function scrapeMetrics(url: string): Promise<MetricSample[]> {
  return parseMetrics(await (await fetch(url)).text());
}
