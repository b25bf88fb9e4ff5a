// HTTP ingest (a device's gateway payload, same validation and durability as MQTT) and history import.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { RwError } from '../../core/errors.ts';
import { isAdmin } from '../../core/scope.ts';
import type { IngestOutcome } from '../../ingest/ingest.ts';
import { MAX_BATCH } from '../../ingest/ingest.ts';
import { deviceOf, principalOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { parse } from '../server.ts';

const Import = z.strictObject({ enterpriseId: z.string().min(1).max(64), readings: z.array(z.unknown()).min(1).max(100_000) });

/** 200 with counts; 503 RW_ERR_BACKLOG_FULL when the journal refused any; 400 when nothing was taken. */
function answer(reply: FastifyReply, out: IngestOutcome) {
  const body = { accepted: out.accepted, duplicates: out.duplicates, rejected: out.rejects.length, errors: out.rejects.slice(0, 100) };
  if (out.full > 0) return reply.status(503).send({ code: 'RW_ERR_BACKLOG_FULL', message: 'the journal is at its limit; retry later', ...body });
  if (out.accepted === 0 && out.duplicates === 0 && out.rejects.length > 0) return reply.status(400).send({ code: out.rejects[0]!.code, message: out.rejects[0]!.message, ...body });
  return reply.status(200).send(body);
}

export function readingRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post<{ Params: { enterpriseId: string } }>('/api/readings/:enterpriseId', async (req, reply) => {
    const d = deviceOf(req, deps.auth);
    if (d.enterpriseId !== req.params.enterpriseId) throw new RwError('RW_ERR_FORBIDDEN', 'a device reports for its own enterprise only');
    const payload = Buffer.from(JSON.stringify(req.body));
    const out = await deps.ingest.handle({ source: 'http', topic: `gateways/${d.enterpriseId}/${d.deviceId}`, payload, enterpriseId: d.enterpriseId, deviceId: d.deviceId });
    return answer(reply, out);
  });

  /** History import (admin): validated like live data, exempt from the lateness limit, never live alerts. */
  app.post('/api/import/readings', async (req, reply) => {
    const p = principalOf(req, deps.auth);
    if (!isAdmin(p)) throw new RwError('RW_ERR_FORBIDDEN', 'history import needs admin scope');
    const body = parse(Import, req.body);
    if (!deps.registry.compiled.enterprises.has(body.enterpriseId)) throw new RwError('RW_ERR_NOT_FOUND', `no enterprise ${body.enterpriseId}`);
    const total: IngestOutcome = { accepted: 0, duplicates: 0, full: 0, rejects: [] };
    for (let i = 0; i < body.readings.length; i += MAX_BATCH) {
      const chunk = body.readings.slice(i, i + MAX_BATCH);
      const out = await deps.ingest.handle({ source: 'import', topic: `import/${body.enterpriseId}`, payload: Buffer.from(JSON.stringify(chunk)), enterpriseId: body.enterpriseId, deviceId: null });
      total.accepted += out.accepted; total.duplicates += out.duplicates; total.full += out.full;
      total.rejects.push(...out.rejects.map((r) => ({ ...r, index: r.index === null ? null : r.index + i })));
    }
    return answer(reply, total);
  });
}
