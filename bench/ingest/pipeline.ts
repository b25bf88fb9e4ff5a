// `node --import tsx bench/ingest/pipeline.ts [rate] [seconds] [perTurn]`: ingest → journal in one
// process, no broker, no sockets: the CPU per reading of validation, the hand-off to the journal writer,
// the commit and the delivery to a consumer (an acking `rules` consumer and a live observer, as the
// platform wires them). Readings are offered open loop, `perTurn` per event-loop turn. Prints CPU µs per
// reading (process, and the main thread's share from event-loop utilization) and append latency.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { RegistrySchema } from '../../core/registry.ts';
import { IngestCounters } from '../../ingest/counters.ts';
import { Ingest } from '../../ingest/ingest.ts';
import { compileRegistry } from '../../storage/registry/compile.ts';
import { SqliteJournal } from '../../storage/journal/sqlite-journal.ts';
import { deviceOf, enterpriseOf, topicOf } from './common.ts';
import { registryYaml } from './registry.ts';

const rate = Number(process.argv[2] ?? 10000);
const seconds = Number(process.argv[3] ?? 5);
const perTurn = Number(process.argv[4] ?? 10);
const DEVICES = 1000;

const def = RegistrySchema.parse(parse(registryYaml(DEVICES)));
const compiled = compileRegistry(def.enterprises, []);
const dir = mkdtempSync(join(tmpdir(), 'rw-pipeline-'));
const journal = new SqliteJournal({ path: join(dir, 'journal.db'), fsync: false, limitBytes: 2 * 1024 ** 3, dedupeWindowMs: 86_400_000, now: () => Date.now() });
await journal.start();
const ingest = new Ingest({ registry: { sensor: (e, s) => compiled.sensors.get(`${e}/${s}`) }, journal, counters: new IngestCounters(),
  rules: { maxFutureMs: 300_000, latenessMs: 7 * 86_400_000 }, now: () => Date.now() });
let consumed = 0;
journal.subscribe('rules', (es, c) => { consumed += es.length; c.ack(es[es.length - 1]!.pos); });
journal.observe((es) => { consumed += 0 * es.length; });

const lat: number[] = [];
let i = 0, done = 0, bad = 0;
const total = Math.round(rate * seconds);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const threads0 = threadCpu();
const elu0 = performance.eventLoopUtilization();
await new Promise<void>((resolve) => {
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
    const n = Math.min(due - i, perTurn * 4);
    for (let k = 0; k < n; k++, i++) {
      const d = i % DEVICES, s = Math.floor(i / DEVICES) % 10;
      const start = performance.now();
      const payload = Buffer.from(`{"ts":${Date.now()},"values":{"lel":${(i % 100) / 10}},"quality":"ok","seq":${i},"boot":"b1"}`);
      void ingest.handle({ source: 'mqtt', topic: topicOf(d, s), payload, enterpriseId: enterpriseOf(d), deviceId: deviceOf(d) }).then((o) => {
        if (o.accepted !== 1) bad++;
        lat.push(performance.now() - start);
        if (++done === total) resolve();
      });
    }
    if (i < total) setTimeout(tick, 0); // ~1 ms turns, as a loaded broker loop
  };
  tick();
});
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const elu = performance.eventLoopUtilization(elu0);
const threads1 = threadCpu();
await journal.flushCursors();
lat.sort((a, b) => a - b);
const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
const us = ((cpu.user + cpu.system) / total).toFixed(1);
const byThread = [...threads1].map(([tid, t]) => [t.name, ((t.s - (threads0.get(tid)?.s ?? 0)) * 1e6) / total] as const).filter(([, v]) => v > 0.5);
const mainUs = `${byThread.map(([n, v]) => `${n} ${v.toFixed(1)}`).join(', ')}; loop utilization ${(elu.utilization * 100).toFixed(0)} %`;
process.stdout.write(`rate ${rate}/s × ${seconds} s: achieved ${(total / wall).toFixed(0)}/s, not accepted ${bad}, consumed ${consumed}; ` +
  `CPU ${us} µs/reading (per thread µs: ${mainUs}); append latency p50 ${q(0.5)} p99 ${q(0.99)} max ${q(0.999999)} ms\n`);
await journal.stop();
rmSync(dir, { recursive: true, force: true });

/** CPU seconds of each thread of this process (Linux /proc), by tid. */
function threadCpu(): Map<string, { name: string; s: number }> {
  const out = new Map<string, { name: string; s: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const st = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name: tid === String(process.pid) ? 'main' : name, s: (Number(f[11]) + Number(f[12])) / 100 });
    } catch { /* thread gone */ }
  }
  return out;
}
