import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.ts';

/** GET /healthz: 200 {"status":"ok"} once broker, ingest and rules are ready; 503 with the parts otherwise. */
export function healthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/healthz', async (_req, reply) => {
    const h = deps.health();
    return reply.status(h.ok ? 200 : 503).send({ status: h.ok ? 'ok' : 'starting', parts: h.parts });
  });
}
