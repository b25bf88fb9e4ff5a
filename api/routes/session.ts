// Login, logout and API tokens.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RwError } from '../../core/errors.ts';
import { ScopeSchema } from '../../core/registry.ts';
import { isAdmin } from '../../core/scope.ts';
import { assertTransport, isLoopbackRequest, principalOf, SESSION_COOKIE, cookie } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { parse } from '../server.ts';

const Login = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
const NewToken = z.strictObject({
  name: z.string().min(1).max(100),
  role: z.enum(['admin', 'operator', 'regulator', 'enterprise']).optional(),
  scope: ScopeSchema.optional(),
});

export function sessionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/api/login', async (req, reply) => {
    assertTransport(req, deps.auth);
    const body = parse(Login, req.body);
    const user = deps.registry.checkUser(body.username, body.password);
    if (!user) throw new RwError('RW_ERR_AUTH', 'wrong username or password');
    if (user.demo && !isLoopbackRequest(req)) throw new RwError('RW_ERR_AUTH', 'demo credentials are accepted on loopback only');
    const sid = deps.registry.createSession(user.username, deps.sessionTtlMs);
    reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(sid)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(deps.sessionTtlMs / 1000)}`);
    return { username: user.username, name: user.name, role: user.role, scope: user.scope };
  });

  app.post('/api/logout', async (req, reply) => {
    const sid = cookie(req, SESSION_COOKIE);
    if (sid) deps.registry.deleteSession(sid);
    reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    return { ok: true };
  });

  app.get('/api/me', async (req) => principalOf(req, deps.auth));

  /** A scoped API token. Admins choose role and scope; anyone else gets a token of their own role and scope. */
  app.post('/api/tokens', async (req, reply) => {
    const p = principalOf(req, deps.auth);
    if (p.role === 'device') throw new RwError('RW_ERR_FORBIDDEN');
    const body = parse(NewToken, req.body);
    const admin = isAdmin(p);
    if (!admin && ((body.role && body.role !== p.role) || (body.scope && JSON.stringify(body.scope) !== JSON.stringify(p.scope)))) {
      throw new RwError('RW_ERR_FORBIDDEN', 'only an admin may create a token with another role or scope');
    }
    const t = deps.registry.createToken(body.name, body.role ?? p.role, body.scope ?? p.scope, p.id);
    return reply.status(201).send({ id: t.id, token: t.token, mqttUsername: `token.${t.id}` });
  });

  app.delete<{ Params: { id: string } }>('/api/tokens/:id', async (req) => {
    const p = principalOf(req, deps.auth);
    if (!isAdmin(p)) throw new RwError('RW_ERR_FORBIDDEN', 'only an admin may revoke tokens');
    if (!deps.registry.revokeToken(req.params.id, p.id)) throw new RwError('RW_ERR_NOT_FOUND', `no active token ${req.params.id}`);
    return { ok: true };
  });
}
