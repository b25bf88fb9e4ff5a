// The HTTP API (contract.md "HTTP API"): fastify with one error shape, `{code, message}` with an RW_ERR_ code.
import Fastify, { type FastifyInstance } from 'fastify';
import { ZodError, type z } from 'zod';
import { HTTP_STATUS, RwError } from '../core/errors.ts';
import type { ApiDeps } from './deps.ts';
import { alertRoutes } from './routes/alerts.ts';
import { historyRoutes } from './routes/history.ts';
import { readingRoutes } from './routes/readings.ts';
import { registryRoutes } from './routes/registry.ts';

export function createHttpServer(opts: { bodyLimit: number; logger?: boolean }): FastifyInstance {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: opts.bodyLimit, trustProxy: false });
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof RwError) {
      return reply.status(HTTP_STATUS[err.code] ?? 400).send({ code: err.code, message: err.message, ...(err.details ?? {}) });
    }
    if (err instanceof ZodError) {
      return reply.status(400).send({ code: 'RW_ERR_VALIDATION', message: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    }
    const e = err as { statusCode?: number; message?: string; code?: string };
    if (e.statusCode && e.statusCode < 500) {
      return reply.status(e.statusCode).send({ code: 'RW_ERR_VALIDATION', message: e.message });
    }
    app.log.error(err);
    return reply.status(500).send({ code: 'RW_ERR_INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ code: 'RW_ERR_NOT_FOUND', message: 'no such route' }));
  return app;
}

/** Parses a body or query with its schema; a failure answers 400 RW_ERR_VALIDATION. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  return schema.parse(value);
}

/** The routes of contract.md "HTTP API" over one set of dependencies (health, session and token routes are
 * registered by app/ with their own options). Optional parts answer for themselves: without `deps.alerts` the
 * /api/alerts routes are absent; without `deps.history` the readings history answers 503 RW_ERR_HISTORY_OFF. */
export function registerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  registryRoutes(app, deps);
  readingRoutes(app, deps);
  alertRoutes(app, deps);
  historyRoutes(app, deps);
}
