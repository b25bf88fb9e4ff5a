// Markdown for the ingest benchmark: the aggregated table (median and min–max over repetitions), the
// ceilings, the riskwatch/mosquitto ratios and the per-step rows.
import type { StepResult } from './step.ts';

export interface Machine { nproc: number; cpu: string; node: string; mosquitto: string; kernel: string; date: string }

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const k = (x: number): string => (Number.isFinite(x) ? (x >= 1000 ? `${(x / 1000).toFixed(x % 1000 === 0 ? 0 : 1)}k` : x.toFixed(0)) : '–');
const spread = (xs: number[], digits = 1): string => {
  const f = xs.filter((x) => Number.isFinite(x));
  if (f.length === 0) return '–';
  if (f.length === 1) return fmt(f[0]!, digits);
  return `${fmt(median(f), digits)} (${fmt(Math.min(...f), digits)}–${fmt(Math.max(...f), digits)})`;
};

const groupKey = (r: StepResult) => `${r.system}|${r.qos}|${r.rate}`;

export function aggregateTable(results: StepResult[]): string {
  const order = [...new Set(results.map((r) => r.system))];
  const sorted = [...results].sort((x, y) => order.indexOf(x.system) - order.indexOf(y.system) || x.qos - y.qos || x.rate - y.rate);
  const groups = new Map<string, StepResult[]>();
  for (const r of sorted) groups.set(groupKey(r), [...(groups.get(groupKey(r)) ?? []), r]);
  const lines = [
    '| system | QoS | offered/s | achieved/s | loss per rep | p50 ms | p99 ms | p99.9 ms | max ms | broker CPU % | RSS MiB | load-gen CPU % | others CPU % | gen lag mean ms | pass |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const rs of groups.values()) {
    const r0 = rs[0]!;
    const lat = (f: (l: NonNullable<StepResult['latency']>) => number) => rs.map((r) => (r.latency ? f(r.latency) : NaN));
    lines.push(`| ${r0.system} | ${r0.qos} | ${k(r0.rate)} | ${k(median(rs.map((r) => r.achieved)))} | ${rs.map((r) => r.loss).join(', ')} | ` +
      `${fmt(median(lat((l) => l.p50)), 2)} | ${spread(lat((l) => l.p99))} | ${fmt(median(lat((l) => l.p999)))} | ${fmt(median(lat((l) => l.max)))} | ` +
      `${fmt(median(rs.map((r) => r.cpu.system)), 0)} | ${fmt(median(rs.map((r) => r.rssMiB)), 0)} | ${fmt(median(rs.map((r) => r.cpu.load)), 0)} | ${fmt(median(rs.map((r) => r.cpu.others)), 0)} | ` +
      `${fmt(median(rs.map((r) => r.lag.mean)), 2)} | ${rs.filter((r) => r.pass).length}/${rs.length}${rs.some((r) => r.void) ? ' (void)' : ''} |`);
  }
  return lines.join('\n');
}

export function stepTable(results: StepResult[]): string {
  const lines = [
    '| rep | system | QoS | offered/s | sent | delivered | recv by sub | loss | refused | achieved/s | p50 | p99 | p99.9 | max | sub p99 | CPU sys/gen/obs/others % | RSS MiB | lag mean/p99 ms | disc | drain ms | pass |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---|',
  ];
  for (const r of results) {
    const l = r.latency;
    lines.push(`| ${r.rep} | ${r.system} | ${r.qos} | ${k(r.rate)} | ${r.sent} | ${r.delivered} | ${r.received} | ${r.loss} | ${r.rejected} | ${fmt(r.achieved, 0)} | ` +
      `${l ? fmt(l.p50, 2) : '–'} | ${l ? fmt(l.p99) : '–'} | ${l ? fmt(l.p999) : '–'} | ${l ? fmt(l.max) : '–'} | ${r.e2e ? fmt(r.e2e.p99) : '–'} | ` +
      `${fmt(r.cpu.system, 0)}/${fmt(r.cpu.load, 0)}/${fmt(r.cpu.observer, 0)}/${fmt(r.cpu.others, 0)} | ${fmt(r.rssMiB, 0)} | ${fmt(r.lag.mean, 2)}/${fmt(r.lag.p99, 1)} | ${r.disconnects} | ${fmt(r.drainMs, 0)} | ${r.pass ? 'yes' : r.void ? 'VOID' : 'no'}${r.repeated ? ' (repeat)' : ''} |`);
  }
  return lines.join('\n');
}

export interface Ceiling {
  system: string; qos: 0 | 1; perRep: number[]; median: number;
  /** Per rep, what ended the series: the system failed a step, the load generator fell behind (void), or no step failed. */
  endedBy: ('system' | 'generator' | 'none')[];
  /** Per rep, the failing step: offered rate and p99 (ms), or null. */
  failed: ({ rate: number; p99: number } | null)[];
}

/** Per system × QoS × rep: the last step before the first failure (0 when the first step fails). */
export function ceilings(results: StepResult[]): Ceiling[] {
  const out: Ceiling[] = [];
  for (const system of [...new Set(results.map((r) => r.system))]) {
    for (const qos of [0, 1] as const) {
      const rs = results.filter((r) => r.system === system && r.qos === qos);
      if (rs.length === 0) continue;
      const reps = [...new Set(rs.map((r) => r.rep))];
      const perRep: number[] = [];
      const endedBy: Ceiling['endedBy'] = [];
      const failed: Ceiling['failed'] = [];
      for (const rep of reps) {
        let c = 0;
        let end: Ceiling['endedBy'][number] = 'none';
        let f: Ceiling['failed'][number] = null;
        for (const r of rs.filter((x) => x.rep === rep).sort((a, b) => a.rate - b.rate)) {
          if (!r.pass) { end = r.void ? 'generator' : 'system'; f = { rate: r.rate, p99: r.latency?.p99 ?? NaN }; break; }
          c = r.rate;
        }
        perRep.push(c);
        endedBy.push(end);
        failed.push(f);
      }
      out.push({ system, qos, perRep, median: median(perRep), endedBy, failed });
    }
  }
  return out;
}

const lowerBound = (c: Ceiling) => c.endedBy.every((e) => e !== 'system');

export function ceilingText(cs: Ceiling[], baseline: string, subject: string): string {
  const why = (c: Ceiling, i: number): string => {
    const f = c.failed[i];
    if (!f) return 'top step passed';
    const at = `${k(f.rate)} p99 ${fmt(f.p99, f.p99 < 100 ? 1 : 0)} ms`;
    return c.endedBy[i] === 'generator' ? `void at ${at} (generator > 1 ms behind)` : `failed at ${at}`;
  };
  const lines = ['| system | QoS | ceiling per rep (readings/s) | median | what ended each series |', '|---|---|---|---:|---|'];
  for (const c of cs) {
    lines.push(`| ${c.system} | ${c.qos} | ${c.perRep.map(k).join(', ')} | ${lowerBound(c) ? '≥ ' : ''}${k(c.median)} | ${c.endedBy.map((_, i) => why(c, i)).join('; ')} |`);
  }
  lines.push('');
  for (const qos of [0, 1] as const) {
    const a = cs.find((c) => c.system === subject && c.qos === qos);
    const b = cs.find((c) => c.system === baseline && c.qos === qos);
    if (!a || !b) continue;
    const ratio = b.median > 0 ? a.median / b.median : NaN;
    const paired = a.perRep.length === b.perRep.length ? a.perRep.map((x, i) => (b.perRep[i]! > 0 ? x / b.perRep[i]! : NaN)) : [];
    lines.push(`- QoS ${qos}: ${subject}/${baseline} ceiling ratio = **${lowerBound(b) ? '≤ ' : ''}${fmt(ratio, 2)}** (medians ${k(a.median)} / ${lowerBound(b) ? '≥ ' : ''}${k(b.median)}` +
      `${lowerBound(b) ? `; ${baseline} never failed a step itself, so its ceiling is higher than measured and the ratio lower` : ''})` +
      `${paired.length > 1 ? `; per rep ${paired.map((x) => fmt(x, 2)).join(', ')}` : ''}.`);
  }
  return lines.join('\n');
}

export function machineText(m: Machine): string {
  return `- ${m.date}; ${m.nproc} cores (${m.cpu}), Linux ${m.kernel}; Node.js ${m.node}; mosquitto ${m.mosquitto}`;
}

export function idleText(rows: { system: string; rep: number; connectS: number; cpu: number; rssMiB: number }[]): string {
  const systems = [...new Set(rows.map((r) => r.system))];
  const lines = ['| system | connect all (s) | idle CPU % | RSS MiB |', '|---|---:|---:|---:|'];
  for (const s of systems) {
    const rs = rows.filter((r) => r.system === s);
    lines.push(`| ${s} | ${spread(rs.map((r) => r.connectS))} | ${spread(rs.map((r) => r.cpu), 0)} | ${spread(rs.map((r) => r.rssMiB), 0)} |`);
  }
  return lines.join('\n');
}
