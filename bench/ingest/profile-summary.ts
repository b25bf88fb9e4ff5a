// Summarizes V8 .cpuprofile files (node --cpu-prof): self time by component and the top functions.
// Usable alone: node --import tsx bench/ingest/profile-summary.ts FILE.cpuprofile …
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const COMPONENTS: [RegExp, string][] = [
  [/node_modules\/aedes-persistence/, 'aedes-persistence'],
  [/node_modules\/aedes-packet|node_modules\/aedes\//, 'aedes'],
  [/node_modules\/mqtt-packet|node_modules\/bl\/|node_modules\/readable-stream/, 'mqtt-packet (parse/generate)'],
  [/node_modules\/qlobber/, 'qlobber (topic matching)'],
  [/node_modules\/fastfall|node_modules\/fastparallel|node_modules\/fastseries|node_modules\/reusify|node_modules\/retimer/, 'aedes helpers (fastfall/fastparallel/…)'],
  [/node_modules\/better-sqlite3/, 'better-sqlite3 (JS side)'],
  [/node_modules\/zod/, 'zod'],
  [/node_modules\/prom-client/, 'prom-client'],
  [/node_modules\/pino/, 'pino'],
  [/node_modules\//, 'other node_modules'],
  [/\/ingest\//, 'riskwatch ingest'],
  [/\/broker\//, 'riskwatch broker glue'],
  [/\/storage\//, 'riskwatch journal'],
  [/\/(core|rules|api|app)\//, 'riskwatch other'],
  [/^node:internal\/(net|stream_base_commons|streams)|^node:net|^node:stream/, 'node net/streams'],
  [/^node:internal\/worker|^node:worker_threads|^node:internal\/per_context\/messageport/, 'worker messaging'],
  [/^node:/, 'node other'],
];

function component(n: Node): string {
  const { functionName: f, url } = n.callFrame;
  if (f === '(garbage collector)') return 'GC';
  if (f === '(idle)') return 'idle';
  if (f === '(program)') return 'program (native, unattributed)';
  if (f === '(root)') return 'root';
  if (!url) return f ? `native: ${f}` : 'native';
  for (const [re, name] of COMPONENTS) if (re.test(url)) return name;
  return 'other';
}

export function summarizeProfile(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // The window: from the first sample in riskwatch's ingest (start-up, YAML and compilation excluded).
  const ingestIds = new Set(p.nodes.filter((n) => /\/ingest\/ingest\.ts/.test(n.callFrame.url)).map((n) => n.id));
  let from = p.samples.findIndex((id) => ingestIds.has(id));
  if (from < 0) from = 0;
  const self = new Map<number, number>();
  const perSecond: number[] = [];
  let t = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (i < from) return;
    self.set(id, (self.get(id) ?? 0) + dt);
    const n = byId.get(id)!;
    if (n.callFrame.functionName !== '(idle)') perSecond[Math.floor(t / 1e6)] = (perSecond[Math.floor(t / 1e6)] ?? 0) + dt;
  });
  const total = [...self.values()].reduce((s, x) => s + x, 0);
  let idle = 0;
  const comp = new Map<string, number>();
  const fn = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const c = component(n);
    if (c === 'idle') { idle += us; continue; }
    comp.set(c, (comp.get(c) ?? 0) + us);
    const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? `${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/main\//, '')}:${n.callFrame.lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1)} %`;
  const timeline = perSecond.map((us, sec) => (us === undefined ? null : `${sec}s:${Math.round(us / 1e4)}%`)).filter((x) => x !== null).join(' ');
  const lines = [`### ${basename(file)}: ${(total / 1e6).toFixed(1)} s sampled from the first ingest sample, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / Math.max(1, total)).toFixed(0)} %)`, '',
    `busy per second of the process's life: ${timeline || '–'}`, '',
    '| component | share of busy time |', '|---|---:|'];
  for (const [c, us] of [...comp].sort((x, y) => y[1] - x[1]).slice(0, 16)) lines.push(`| ${c} | ${pct(us)} |`);
  lines.push('', '| function (self time) | share |', '|---|---:|');
  for (const [f, us] of [...fn].sort((x, y) => y[1] - x[1]).slice(0, top)) lines.push(`| \`${f.trim()}\` | ${pct(us)} |`);
  return lines.join('\n');
}

export function summarizeProfiles(files: string[]): string {
  return files.length === 0 ? '(no profile written)' : files.map((f) => summarizeProfile(f)).join('\n\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${summarizeProfiles(process.argv.slice(2))}\n`);
}
