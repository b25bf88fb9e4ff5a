// Sites, sensors (with latest reading, device state and freshness) and enterprise states, by scope.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RwError } from '../../core/errors.ts';
import { EnterpriseStateSchema } from '../../core/registry.ts';
import { scopeCoversEnterprise, type Principal } from '../../core/scope.ts';
import { sensorType } from '../../core/sensor-types.ts';
import { principalOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { parse } from '../server.ts';

const Page = z.object({ limit: z.coerce.number().int().min(1).max(5000).default(1000), cursor: z.coerce.number().int().min(0).default(0) });
const SensorQuery = Page.extend({ enterprise: z.string().optional(), site: z.string().optional(), type: z.string().optional() });

/** fresh: within two nominal intervals; late: within five; stale: older; never: no reading yet. */
export function freshness(ageMs: number | null, intervalS: number): 'fresh' | 'late' | 'stale' | 'never' {
  if (ageMs === null) return 'never';
  if (ageMs <= 2 * intervalS * 1000) return 'fresh';
  return ageMs <= 5 * intervalS * 1000 ? 'late' : 'stale';
}

function page<T>(all: T[], limit: number, cursor: number) {
  const items = all.slice(cursor, cursor + limit);
  return { items, nextCursor: cursor + limit < all.length ? String(cursor + limit) : null, total: all.length };
}

function levelsOf(deps: ApiDeps, e: string, s: string) {
  const l = deps.sensorLevel?.(e, s);
  return { level: l?.level ?? null, levelNo: l?.levelNo ?? null, deviceLevel: l?.deviceLevel ?? null, instrumentState: l?.deviceState ?? null };
}

export function registryRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const visible = (p: Principal, enterpriseId: string): boolean => {
    const e = deps.registry.compiled.enterprises.get(enterpriseId);
    return !!e && scopeCoversEnterprise(p.scope, e);
  };

  app.get('/api/enterprises', async (req) => {
    const p = principalOf(req, deps.auth);
    return { items: [...deps.registry.compiled.enterprises.values()].filter((e) => visible(p, e.id))
      .map((e) => ({ id: e.id, name: e.name, county: e.county, sector: e.sector, state: e.state, sites: e.sites.map((s) => s.id) })) };
  });

  app.get('/api/sites', async (req) => {
    const p = principalOf(req, deps.auth);
    const q = parse(Page, req.query);
    const sites = [...deps.registry.compiled.enterprises.values()].filter((e) => visible(p, e.id)).flatMap((e) =>
      e.sites.map((s) => ({ enterpriseId: e.id, enterpriseName: e.name, county: e.county, sector: e.sector, id: s.id, name: s.name, kind: s.kind,
        location: s.location, tailings: s.tailings ?? null, areas: s.areas, items: s.items, sensorCount: s.sensors.length })));
    return page(sites, q.limit, q.cursor);
  });

  app.get('/api/sensors', async (req) => {
    const p = principalOf(req, deps.auth);
    const q = parse(SensorQuery, req.query);
    const now = deps.now();
    const list = [...deps.registry.compiled.sensors.values()]
      .filter((s) => visible(p, s.enterpriseId) && (!q.enterprise || s.enterpriseId === q.enterprise) && (!q.site || s.siteId === q.site) && (!q.type || s.info.type === q.type))
      .map((s) => {
        const r = deps.latest.get(s.enterpriseId, s.sensorId);
        const t = sensorType(s.info.type)!;
        const ageMs = r ? now - r.ts : null;
        const devices = s.info.deviceIds.map((d) => ({ deviceId: d, ...(deps.deviceState(s.enterpriseId, d) ?? { online: false, at: null }) }));
        return {
          enterpriseId: s.enterpriseId, siteId: s.siteId, sensorId: s.sensorId, name: s.info.name, type: s.info.type, typeName: t.zh,
          area: s.info.area ?? null, item: s.info.item ?? null, intervalS: s.intervalS,
          metrics: Object.fromEntries(Object.entries(t.metrics).map(([k, m]) => [k, { unit: m.unit, name: m.zh }])),
          latest: r ? { ts: new Date(r.ts).toISOString(), values: r.values, quality: r.quality, seq: r.seq, receivedAt: new Date(r.receivedAt).toISOString() } : null,
          freshness: freshness(ageMs, s.intervalS), ageS: ageMs === null ? null : Math.round(ageMs / 1000),
          ...levelsOf(deps, s.enterpriseId, s.sensorId), devices,
          deviceState: devices.some((d) => d.online) ? 'online' : 'offline',
        };
      });
    return page(list, q.limit, q.cursor);
  });

  app.put<{ Params: { id: string } }>('/api/enterprises/:id/state', async (req) => {
    const p = principalOf(req, deps.auth);
    if (!(p.role === 'admin' || p.role === 'regulator') || !visible(p, req.params.id)) {
      throw new RwError('RW_ERR_FORBIDDEN', 'only a regulator or admin with this enterprise in scope may set its state');
    }
    const body = parse(EnterpriseStateSchema, req.body);
    return deps.registry.setEnterpriseState(req.params.id, body, p.id).state;
  });
}
