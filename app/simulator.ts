// Wires the built-in simulators to a running platform: history through the import path (first start of
// a data dir only, so a restart does not lay a second history over the recorded one), then live
// readings over real MQTT connections with demo device credentials.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { systemClock } from '../core/clock.ts';
import type { Reading } from '../core/reading.ts';
import type { RegistryDef } from '../core/registry.ts';
import type { Ingest } from '../ingest/ingest.ts';
import { MAX_BATCH } from '../ingest/ingest.ts';
import { createSimulation } from '../simulators/simulation.ts';
import { startPublisher } from '../simulators/publisher.ts';
import { syntheticRegistry } from '../simulators/synthetic.ts';
import { loadPlatformConfig } from './config-file.ts';
import type { PlatformConfig } from './config.ts';
import { demoSecret } from './data-dir.ts';
import type { Platform } from './platform.ts';

/** History into the journal through the import path, grouped by enterprise, in batches of MAX_BATCH. */
export function importThrough(ingest: Ingest): (readings: Reading[]) => Promise<void> {
  return async (readings) => {
    const byEnterprise = new Map<string, object[]>();
    for (const r of readings) {
      const list = byEnterprise.get(r.enterpriseId) ?? [];
      list.push({ site: r.siteId, sensor: r.sensorId, ts: r.ts, values: r.values, quality: r.quality, ...(r.seq !== null ? { seq: r.seq } : {}), ...(r.boot !== null ? { boot: r.boot } : {}) });
      byEnterprise.set(r.enterpriseId, list);
    }
    for (const [enterpriseId, list] of byEnterprise) {
      for (let i = 0; i < list.length; i += MAX_BATCH) {
        await ingest.handle({ source: 'import', topic: `import/${enterpriseId}`, payload: Buffer.from(JSON.stringify(list.slice(i, i + MAX_BATCH))), enterpriseId, deviceId: null });
      }
    }
  };
}

export function simulatorFor(cfg: PlatformConfig): (p: Platform) => Promise<{ stop(): Promise<void> }> {
  return async (p) => {
    const registry: RegistryDef = { enterprises: [...p.registry.compiled.enterprises.values()], users: [] };
    const firstStart = p.journal.stats().lastPos === 0;
    const simulation = createSimulation({ registry, scenario: cfg.simulate.scenario, seed: cfg.simulate.seed, clock: systemClock, startMs: Date.now(), ...(firstStart ? {} : { backfillMs: 0 }) });
    const publisher = await startPublisher({
      url: p.urls.mqtt, demoSecret: p.demoSecret, simulation, qos: cfg.simulate.qos, logger: p.log,
      ...(firstStart ? { importReadings: importThrough(p.ingest) } : {}),
    });
    p.log.info({ scenario: cfg.simulate.scenario, sensors: simulation.sensorCount, devices: simulation.devices.length }, 'simulators publishing');
    return { stop: () => publisher.stop() };
  };
}

/** `riskwatch simulate`: publishes to a running platform (same data dir for the demo secret). */
export async function runStandaloneSimulation(o: { config?: string | undefined; scenario?: string | undefined; sensors?: string | undefined; url?: string | undefined; qos?: string | undefined; seed?: string | undefined; writeConfig?: string | undefined }): Promise<number> {
  const { cfg, registry: fileRegistry } = loadPlatformConfig(o.config);
  const n = o.sensors ? Number.parseInt(o.sensors, 10) : 0;
  const registry: RegistryDef = n > 0 ? syntheticRegistry({ sensors: n, devices: Math.max(1, Math.ceil(n / 10)) }) : fileRegistry;
  if (o.writeConfig) {
    writeFileSync(o.writeConfig, stringify(registry));
    process.stdout.write(`wrote ${o.writeConfig}: start the platform with RISKWATCH_CONFIG=${o.writeConfig}\n`);
    return 0;
  }
  const simulation = createSimulation({ registry, scenario: o.scenario ?? cfg.simulate.scenario, seed: o.seed ? Number(o.seed) : cfg.simulate.seed, clock: systemClock, startMs: Date.now(), backfillMs: 0 });
  const publisher = await startPublisher({ url: o.url ?? `mqtt://127.0.0.1:${cfg.mqtt.port}`, demoSecret: demoSecret(cfg.dataDir), simulation, qos: o.qos === '0' ? 0 : 1 });
  process.stdout.write(`simulating ${simulation.sensorCount} sensors over ${simulation.devices.length} connections; Ctrl-C stops\n`);
  const timer = setInterval(() => process.stdout.write(`sent ${publisher.stats.sent}, errors ${publisher.stats.errors}, connected ${publisher.stats.connected}\n`), 10_000);
  await new Promise<void>((r) => { process.once('SIGINT', () => r()); process.once('SIGTERM', () => r()); });
  clearInterval(timer);
  await publisher.stop();
  return 0;
}
