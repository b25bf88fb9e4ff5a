// The riskwatch CLI: serve, simulate, check-config, import, device add|revoke, token add|revoke.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfigFile, loadPlatformConfig as loadConfig } from './config-file.ts';
import type { PlatformConfig } from './config.ts';
import { startPlatform } from './platform.ts';
import { demoSecret, paths } from './data-dir.ts';
import { parseRoleArg, parseScopeArg } from './cli-args.ts';
import type { RegistryDef } from '../core/registry.ts';
import { SqliteRegistry } from '../storage/registry/sqlite-registry.ts';
import { simulatorFor } from './simulator.ts';

const USAGE = `riskwatch — IoT safety-risk monitoring and early warning (物联网安全风险监测预警平台)

  riskwatch serve [--config FILE]                 run the platform (default config/demo.yaml)
  riskwatch simulate --scenario NAME [--sensors N] [--url mqtt://…] [--qos 0|1]
                                                  publish simulated readings to a running platform
  riskwatch check-config FILE                     validate a registry/config file
  riskwatch import FILE --enterprise ID [--url http://127.0.0.1:8080] --token TOKEN
                                                  import history (JSON array of readings with site and sensor)
  riskwatch device add ENTERPRISE DEVICE           issue a new device token (printed once)
  riskwatch device revoke ENTERPRISE DEVICE
  riskwatch token add --name NAME --role ROLE --scope SCOPE   (scope: platform | enterprise:ID | jurisdiction:CODES)
  riskwatch token revoke ID
  riskwatch mosquitto-files DIR                   password, ACL and config files for an external mosquitto

Environment: RISKWATCH_CONFIG, RISKWATCH_DATA_DIR, RISKWATCH_MQTT_PORT, RISKWATCH_HTTP_PORT, RISKWATCH_METRICS_PORT,
RISKWATCH_SIMULATE, RISKWATCH_SCENARIO, RISKWATCH_BIND_HOST, RISKWATCH_ALLOW_PLAINTEXT_AUTH, RISKWATCH_INFLUX_URL …`;

function openRegistry(cfg: PlatformConfig, registry: RegistryDef): SqliteRegistry {
  const r = new SqliteRegistry(paths(cfg.dataDir).registry, demoSecret(cfg.dataDir));
  r.seed(registry, cfg.configFile.split('/').pop()!);
  return r;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const { values: flags, positionals } = parseArgs({
    args: rest, allowPositionals: true, strict: false,
    options: { config: { type: 'string' }, scenario: { type: 'string' }, sensors: { type: 'string' }, url: { type: 'string' }, qos: { type: 'string' },
      name: { type: 'string' }, role: { type: 'string' }, scope: { type: 'string' }, token: { type: 'string' }, enterprise: { type: 'string' }, seed: { type: 'string' }, 'write-config': { type: 'string' } },
  });
  const flag = (k: string): string | undefined => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);

  switch (cmd) {
    case undefined:
    case 'serve': {
      // A full GC marks the whole heap (~100 ms of marking beside the event loop at 10k sensors on two cores, a
      // p99 alert-latency hiccup). V8 schedules the next one once the old generation has grown by 10–50 % over
      // what the last one kept, which the steady promotion of a busy broker reaches every 5–10 s; at twice it,
      // every minute or more (bench:rules e2e). Read at every GC, so setting it here takes effect.
      setFlagsFromString('--heap-growing-percent=100');
      // V8's allocation-site pretenuring allocates straight into the old generation the objects of a site whose
      // objects mostly survived young GCs, and keeps that decision. In some runs a site of per-reading objects
      // gets it during start-up (10k sensors compiled, a thousand clients connecting; which site was not found,
      // the rate says ≈ 1 KB per reading): the old generation then grows ≈ 10 MB/s at 10k readings/s instead of
      // ≈ 0.8, a full GC every 6–9 s instead of every ~100 s (bench:rules e2e with --trace-gc: 4 of 18 runs with
      // pretenuring, 0 of 24 without; bench/RESULTS.md, eighth session).
      setFlagsFromString('--no-allocation-site-pretenuring');
      const { cfg, registry } = loadConfig(flag('config'));
      const platform = await startPlatform({ config: cfg, registry, ...(cfg.simulate.enabled ? { simulator: simulatorFor(cfg) } : {}) });
      const demoUsers = registry.users.filter((u) => typeof u.password !== 'string');
      platform.log.info({ mqtt: platform.urls.mqtt, ws: platform.urls.ws, http: platform.urls.http, metrics: platform.urls.metrics }, 'riskwatch is up');
      process.stdout.write(`\nriskwatch 已启动 / is up\n  控制台 console + API: ${platform.urls.http}\n  MQTT: ${platform.urls.mqtt}${platform.urls.ws ? `  WebSocket: ${platform.urls.ws}` : ''}\n  metrics: ${platform.urls.metrics}\n`);
      if (demoUsers.length > 0) process.stdout.write(`  演示账号 demo logins (loopback only): ${demoUsers.map((u) => `${u.username} / ${(u.password as { demo: string }).demo}`).join(', ')}\n`);
      process.stdout.write(`  simulators: ${cfg.simulate.enabled ? `on (scenario ${cfg.simulate.scenario})` : 'off'}\n\n`);
      const shutdown = async () => { await platform.stop(); process.exit(0); };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      return -1;
    }
    case 'check-config': {
      const file = positionals[0] ?? flag('config');
      if (!file) { process.stderr.write('check-config FILE\n'); return 2; }
      const loaded = loadConfigFile(resolve(file));
      const sensors = loaded.registry.enterprises.reduce((n, e) => n + e.sites.reduce((m, s) => m + s.sensors.length, 0), 0);
      process.stdout.write(`ok: ${file}: ${loaded.registry.enterprises.length} enterprises, ${sensors} sensors, ${loaded.registry.users.length} users\n`);
      return 0;
    }
    case 'device': {
      const [action, enterpriseId, deviceId] = positionals;
      if (!enterpriseId || !deviceId || (action !== 'add' && action !== 'revoke')) { process.stderr.write('device add|revoke ENTERPRISE DEVICE\n'); return 2; }
      const { cfg, registry } = loadConfig(flag('config'));
      const reg = openRegistry(cfg, registry);
      if (action === 'add') {
        const token = reg.issueDeviceToken(enterpriseId, deviceId, 'cli');
        process.stdout.write(`device ${enterpriseId}.${deviceId}\n  MQTT username = client id: ${enterpriseId}.${deviceId}\n  token (shown once): ${token}\n`);
      } else {
        reg.revokeDevice(enterpriseId, deviceId, 'cli');
        process.stdout.write(`revoked ${enterpriseId}.${deviceId}\n`);
      }
      reg.close();
      return 0;
    }
    case 'token': {
      const [action, id] = positionals;
      const { cfg, registry } = loadConfig(flag('config'));
      const reg = openRegistry(cfg, registry);
      try {
        if (action === 'add') {
          const t = reg.createToken(flag('name') ?? 'cli', parseRoleArg(flag('role') ?? 'operator'), parseScopeArg(flag('scope') ?? 'platform'), 'cli');
          process.stdout.write(`token ${t.id} (shown once): ${t.token}\n  HTTP: Authorization: Bearer ${t.token}\n  MQTT: username token.${t.id}, password = the token\n`);
        } else if (action === 'revoke' && id) {
          process.stdout.write(reg.revokeToken(id, 'cli') ? `revoked ${id}\n` : `no active token ${id}\n`);
        } else { process.stderr.write('token add --name N --role R --scope S | token revoke ID\n'); return 2; }
      } finally { reg.close(); }
      return 0;
    }
    case 'mosquitto-files': {
      const dir = positionals[0];
      const password = process.env.RISKWATCH_MQTT_PASSWORD;
      if (!dir || !password) { process.stderr.write('mosquitto-files DIR  (with RISKWATCH_MQTT_PASSWORD set: the platform user _riskwatch)\n'); return 2; }
      const { writeMosquittoFiles } = await import('../broker/mosquitto-files.ts');
      const { cfg, registry } = loadConfig(flag('config'));
      const reg = openRegistry(cfg, registry);
      const out = writeMosquittoFiles(resolve(dir), reg, password);
      reg.close();
      process.stdout.write(`wrote ${out.passwd}, ${out.acl}, ${out.conf}\nrun: mosquitto -c ${out.conf}; after registry changes run this again and send mosquitto SIGHUP\n`);
      return 0;
    }
    case 'import': {
      const file = positionals[0];
      const enterpriseId = flag('enterprise');
      const token = flag('token') ?? process.env.RISKWATCH_TOKEN;
      if (!file || !enterpriseId || !token) { process.stderr.write('import FILE --enterprise ID --token TOKEN [--url http://127.0.0.1:8080]\n'); return 2; }
      const readings = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
      const url = `${flag('url') ?? `http://127.0.0.1:${process.env.RISKWATCH_HTTP_PORT ?? 8080}`}/api/import/readings`;
      let accepted = 0, duplicates = 0, rejected = 0;
      for (let i = 0; i < readings.length; i += 10_000) {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ enterpriseId, readings: readings.slice(i, i + 10_000) }) });
        const body = (await res.json()) as { accepted?: number; duplicates?: number; rejected?: number; code?: string; message?: string };
        if (res.status >= 500 || res.status === 401 || res.status === 403) { process.stderr.write(`import failed at ${i}: ${res.status} ${body.code} ${body.message}\n`); return 1; }
        accepted += body.accepted ?? 0; duplicates += body.duplicates ?? 0; rejected += body.rejected ?? 0;
      }
      process.stdout.write(`imported ${accepted}, duplicates ${duplicates}, rejected ${rejected}\n`);
      return rejected > 0 ? 1 : 0;
    }
    case 'simulate': {
      const { runStandaloneSimulation } = await import('./simulator.ts');
      return runStandaloneSimulation({ config: flag('config'), scenario: flag('scenario'), sensors: flag('sensors'), url: flag('url'), qos: flag('qos'), seed: flag('seed'), writeConfig: flag('write-config') });
    }
    case 'help': case '--help': case '-h':
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      process.stderr.write(`unknown command ${cmd}\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exit(code); },
  (err: unknown) => {
    process.stderr.write(err instanceof ConfigError ? `config invalid:\n${err.message}\n` : `error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 3 : 1);
  },
);
