// Loads and checks a config file (`riskwatch check-config FILE`): YAML → zod → cross-references.
// Every problem names the file, the path inside it, the line, and what is wrong.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { RegistrySchema, type RegistryDef } from '../core/registry.ts';
import { sensorType } from '../core/sensor-types.ts';
import { platformFromEnv, type PlatformConfig } from './config.ts';

export interface ConfigProblem { file: string; path: string; line: number | null; message: string }
export interface LoadedConfig { registry: RegistryDef; platform: unknown }

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.path || '(top)'}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export function loadConfigFile(file: string): LoadedConfig {
  const text = readFileSync(file, 'utf8');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const lineOf = (path: (string | number)[]): number | null => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lc.linePos(node.range[0]).line;
    }
    return null;
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({ file, path: '', line: e.linePos?.[0]?.line ?? null, message: e.message })));
  }
  const raw = (doc.toJS() ?? {}) as Record<string, unknown>;
  const { platform, ...registryPart } = raw;
  const parsed = RegistrySchema.safeParse(registryPart);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ file, path: i.path.join('.'), line: lineOf(i.path as (string | number)[]), message: i.message })));
  }
  const refs = crossReferenceProblems(parsed.data).map((p) => ({ file, path: p.path.join('.'), line: lineOf(p.path), message: p.message }));
  if (refs.length > 0) throw new ConfigError(refs);
  return { registry: parsed.data, platform };
}

/** The config file (argument, RISKWATCH_CONFIG, or config/demo.yaml) with the environment applied. */
export function loadPlatformConfig(file: string | undefined, env: Record<string, string | undefined> = process.env): { cfg: PlatformConfig; registry: RegistryDef } {
  const configFile = resolve(file ?? env.RISKWATCH_CONFIG ?? 'config/demo.yaml');
  const loaded = loadConfigFile(configFile);
  return { cfg: platformFromEnv(loaded.platform, env, configFile), registry: loaded.registry };
}

/** What zod cannot see: unique ids, and references between entities. */
export function crossReferenceProblems(def: RegistryDef): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const enterpriseIds = new Set<string>();
  def.enterprises.forEach((e, ei) => {
    if (enterpriseIds.has(e.id)) out.push({ path: ['enterprises', ei, 'id'], message: `duplicate enterprise id ${e.id}` });
    enterpriseIds.add(e.id);
    const sensors = new Map<string, string>();
    const siteIds = new Set<string>();
    e.sites.forEach((site, si) => {
      if (siteIds.has(site.id)) out.push({ path: ['enterprises', ei, 'sites', si, 'id'], message: `duplicate site id ${site.id}` });
      siteIds.add(site.id);
      const areas = new Set(site.areas.map((a) => a.id));
      const items = new Set(site.items.map((a) => a.id));
      site.sensors.forEach((s, xi) => {
        const at = ['enterprises', ei, 'sites', si, 'sensors', xi];
        if (sensors.has(s.id)) out.push({ path: [...at, 'id'], message: `sensor id ${s.id} is used twice in enterprise ${e.id}` });
        sensors.set(s.id, s.type);
        if (s.area && !areas.has(s.area)) out.push({ path: [...at, 'area'], message: `area ${s.area} is not defined in site ${site.id}` });
        if (s.item && !items.has(s.item)) out.push({ path: [...at, 'item'], message: `monitored item ${s.item} is not defined in site ${site.id}` });
        if (!sensorType(s.type)) out.push({ path: [...at, 'type'], message: `unknown sensor type ${s.type}` });
      });
    });
    e.sites.forEach((site, si) => site.sensors.forEach((s, xi) => s.relations.forEach((r, ri) => {
      if (!sensors.has(r.sensor)) out.push({ path: ['enterprises', ei, 'sites', si, 'sensors', xi, 'relations', ri, 'sensor'], message: `related sensor ${r.sensor} is not in enterprise ${e.id}` });
    })));
    const deviceIds = new Set<string>();
    e.devices.forEach((d, di) => {
      if (deviceIds.has(d.id)) out.push({ path: ['enterprises', ei, 'devices', di, 'id'], message: `duplicate device id ${d.id}` });
      deviceIds.add(d.id);
      d.sensors.forEach((s, k) => {
        if (!sensors.has(s)) out.push({ path: ['enterprises', ei, 'devices', di, 'sensors', k], message: `device ${d.id} lists sensor ${s}, which is not registered in enterprise ${e.id}` });
      });
    });
  });
  const users = new Set<string>();
  def.users.forEach((u, ui) => {
    if (users.has(u.username)) out.push({ path: ['users', ui, 'username'], message: `duplicate user ${u.username}` });
    users.add(u.username);
    if (u.scope.kind === 'enterprise' && !enterpriseIds.has(u.scope.enterpriseId)) out.push({ path: ['users', ui, 'scope', 'enterpriseId'], message: `no enterprise ${u.scope.enterpriseId}` });
  });
  return out;
}
