// Alerts over HTTP (contract.md "HTTP API", "Alerts", "Who sees what"): list and detail by scope, and the
// lifecycle actions of the table "Actions by handling state". The lifecycle itself (what is legal when) is the
// AlertService's; this file decides only who may see and who may act.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CLEAR_REASONS, HANDLING_STATES, VERDICTS } from '../../core/alert.ts';
import { RwError, type ErrorCode } from '../../core/errors.ts';
import { LEVEL_NAMES } from '../../core/level.ts';
import { scopeCoversEnterprise, scopeCoversPlatform, type Principal, type Scope } from '../../core/scope.ts';
import { alertView } from '../../rules/alerts/publisher.ts';
import type { AlertAction } from '../../rules/alerts/service.ts';
import type { Actor, StoredAlert } from '../../rules/alerts/types.ts';
import { principalOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { IdempotencyCache, idempotencyHooks } from '../idempotency.ts';
import { parse } from '../server.ts';

/** ISO 8601 with an offset (`Z` or `+08:00`), or epoch milliseconds, as readings' `ts` (contract.md "Readings"). */
const Since = z.string().transform((s, ctx) => {
  if (/^\d{1,15}$/.test(s)) return Number(s);
  if (z.iso.datetime({ offset: true }).safeParse(s).success) return Date.parse(s);
  ctx.addIssue({ code: 'custom', message: 'since must be ISO 8601 with an offset or epoch milliseconds' });
  return z.NEVER;
});

const ListQuery = z.object({
  state: z.enum(['open', 'all']).default('open'),
  level: z.enum(LEVEL_NAMES).optional(),
  kind: z.enum(['process', 'device', 'system']).optional(),
  /** Beyond contract.md's list: the console's "waiting for ack" view (AlertFilter.handling). */
  handling: z.enum(HANDLING_STATES).optional(),
  enterprise: z.string().min(1).max(64).optional(),
  site: z.string().min(1).max(64).optional(),
  since: Since.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(512).optional(),
});

const Note = z.string().max(4000);
const Version = z.number().int().min(0).optional();
const Ack = z.strictObject({ expectedVersion: Version, note: Note.optional() });
const Assess = z.strictObject({ verdict: z.enum(VERDICTS), note: Note.optional(), expectedVersion: Version });
const Handle = z.strictObject({ note: Note.min(1), expectedVersion: Version });
const Feedback = z.strictObject({ note: Note.min(1), expectedVersion: Version });
const Clear = z.strictObject({ reason: z.enum(CLEAR_REASONS), note: Note.optional(), expectedVersion: Version });
const BulkAck = z.strictObject({ ids: z.array(z.string().min(1).max(128)).min(1).max(500), note: Note.optional() });

/** contract.md "Who sees what": enterprise alerts by the one policy function; system alerts (no enterprise)
 * to platform scope only. An alert without county/sector fails closed for jurisdiction scopes. */
export function alertVisible(scope: Scope, a: Pick<StoredAlert, 'kind' | 'enterpriseId' | 'county' | 'sector'>): boolean {
  if (a.kind === 'system' || a.enterpriseId === null) return scopeCoversPlatform(scope);
  return scopeCoversEnterprise(scope, { id: a.enterpriseId, county: a.county ?? '', sector: a.sector ?? '' });
}

/** contract.md "Who sees what": admin, operator (monitoring centre) and enterprise users act; a regulator reads
 * (and sets enterprise states elsewhere). Tokens act with their role. */
export const mayAct = (p: Principal): boolean => p.role === 'admin' || p.role === 'operator' || p.role === 'enterprise';

/**
 * Who acted, for the audit trail and `ackByEnterprise` / `ackByCentre`: the enterprise party for a principal
 * whose scope is one enterprise, the monitoring centre otherwise. User principals carry `username` and `name`
 * (the registry's session principal); a token acts as `token.{id}`, its MQTT username.
 */
export function actorOf(p: Principal): Actor {
  const x = p as Principal & { username?: unknown; name?: unknown };
  const username = typeof x.username === 'string' ? x.username : p.id.replace(/^token:/, 'token.').replace(/^user:/, '');
  const name = typeof x.name === 'string' && x.name ? x.name : username;
  return { username, name, party: p.scope.kind === 'enterprise' ? 'enterprise' : 'centre' };
}

/** The /api/alerts routes; nothing is registered when the alert part is absent (`deps.alerts`). */
export function alertRoutes(app: FastifyInstance, deps: Pick<ApiDeps, 'auth' | 'now' | 'alerts'>): void {
  const alerts = deps.alerts;
  if (!alerts) return;
  const hooks = idempotencyHooks(new IdempotencyCache({ now: deps.now }), deps.auth);

  /** The alert if it exists and is visible; otherwise 404 either way (existence is not revealed across scopes). */
  const visibleAlert = (p: Principal, id: string): StoredAlert => {
    const a = alerts.get(id);
    if (!a || !alertVisible(p.scope, a)) throw new RwError('RW_ERR_NOT_FOUND', `no alert ${id}`);
    return a;
  };
  const actor = (p: Principal): Principal => {
    if (!mayAct(p)) throw new RwError('RW_ERR_FORBIDDEN', 'this role may read alerts but not act on them');
    return p;
  };

  app.get('/api/alerts', async (req) => {
    const p = principalOf(req, deps.auth);
    const q = parse(ListQuery, req.query);
    const { alerts: items, nextCursor } = alerts.list({
      state: q.state, level: q.level, kind: q.kind, handling: q.handling, enterpriseId: q.enterprise, siteId: q.site,
      sinceMs: q.since, cursor: q.cursor, limit: q.limit, visible: (a) => alertVisible(p.scope, a),
    });
    return { items: items.map(alertView), nextCursor };
  });

  app.get<{ Params: { id: string } }>('/api/alerts/:id', async (req) => {
    const p = principalOf(req, deps.auth);
    visibleAlert(p, req.params.id);
    const d = alerts.detail(req.params.id);
    if (!d) throw new RwError('RW_ERR_NOT_FOUND', `no alert ${req.params.id}`);
    return { alert: alertView(d.alert), events: d.events, audit: d.audit, evidence: d.evidence };
  });

  // Storms: one request acknowledges many; each id is scope-checked and answered on its own (200 even when
  // some fail), so one stale id does not hold up the rest.
  app.post('/api/alerts/ack', { ...hooks }, async (req) => {
    const p = actor(principalOf(req, deps.auth));
    const body = parse(BulkAck, req.body ?? {});
    const who = actorOf(p);
    const results = body.ids.map((id) => {
      try {
        visibleAlert(p, id);
        return { id, ok: true as const, version: alerts.act(id, { type: 'ack', note: body.note }, who).version };
      } catch (err) {
        if (err instanceof RwError) return { id, ok: false as const, code: err.code };
        req.log.error({ err, alertId: id }, 'bulk ack failed');
        return { id, ok: false as const, code: 'RW_ERR_INTERNAL' as ErrorCode };
      }
    });
    return { results };
  });

  /** One lifecycle action: its body schema and how the body becomes an AlertAction. */
  const action = <S extends z.ZodType<{ expectedVersion?: number | undefined }>>(name: AlertAction['type'], schema: S, toAction: (b: z.infer<S>) => AlertAction) => {
    app.post<{ Params: { id: string } }>(`/api/alerts/:id/${name}`, { ...hooks }, async (req) => {
      const p = actor(principalOf(req, deps.auth));
      const body = parse(schema, req.body ?? {});
      visibleAlert(p, req.params.id);
      return alertView(alerts.act(req.params.id, toAction(body), actorOf(p), body.expectedVersion));
    });
  };
  action('ack', Ack, (b) => ({ type: 'ack', note: b.note }));
  action('assess', Assess, (b) => ({ type: 'assess', verdict: b.verdict, note: b.note }));
  action('handle', Handle, (b) => ({ type: 'handle', note: b.note }));
  action('feedback', Feedback, (b) => ({ type: 'feedback', note: b.note }));
  action('clear', Clear, (b) => ({ type: 'clear', reason: b.reason, note: b.note }));
}
