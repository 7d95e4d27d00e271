/**
 * The policy checks a route of mail, webhooks or events makes, handed in by buildApp from the
 * auth feature (so those folders do not import auth, which itself queues mail and writes events).
 * Routes still go schema → authenticate → policy → service; only where the policy comes from
 * differs.
 */
import type { FastifyRequest } from 'fastify';

export interface RoutePolicy {
  /** The caller may do `permission` in the org: 401 signed out, 403/404 otherwise. */
  authorizeOrg(request: FastifyRequest, permission: string, orgId: string): Promise<unknown>;
  /** Whether the (already authorized) caller holds `permission` somewhere in the org's standing. */
  holdsInOrg(request: FastifyRequest, permission: string, orgId: string): Promise<boolean>;
  /** The caller is an instance admin: 401 signed out, 403 otherwise. */
  requireInstanceAdmin(request: FastifyRequest): unknown;
}
