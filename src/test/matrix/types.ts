/**
 * The authorization matrix: for every org-scoped route (`/api/v1/orgs/:orgId/...`), which actors
 * succeed. src/auth/authorization-matrix.test.ts runs every entry for every actor against the
 * real app, and fails when a registered org-scoped route has no entry here.
 *
 * Expected answers: an actor in `allowed` gets `ok`; otherwise `anonymous` gets 401, `outsider`
 * (a user of another org) 404, and everyone else 403.
 *
 * To add an area: write `src/test/matrix/<area>.ts` exporting a `MatrixEntry[]`, and add it to
 * MATRIX in src/test/matrix/index.ts. One route may have several entries (org and resource scope).
 */
import type { TestApp } from '../app.js';

export const ACTORS = [
  'owner',
  'admin',
  'member',
  'viewer',
  /** admin on the world's resource only, nothing org-wide */
  'resourceAdmin',
  /** owner of another org */
  'outsider',
  'anonymous',
  /** an API key of the org holding every permission an admin holds */
  'keyWith',
  /** an API key of the org holding no permission */
  'keyWithout',
] as const;

export type ActorName = (typeof ACTORS)[number];

/** Org-wide readers of `org:read` / `members:read`. */
export const EVERY_MEMBER: readonly ActorName[] = ['owner', 'admin', 'member', 'viewer', 'keyWith'];
/** Holders of the admin permissions org-wide. */
export const ADMINS: readonly ActorName[] = ['owner', 'admin', 'keyWith'];

export interface MatrixWorld {
  readonly t: TestApp;
  readonly orgId: string;
  /** The resource where `resourceAdmin` is admin. */
  readonly resourceId: string;
  readonly ownerId: string;
  /** A fresh active user with no grants, linked to a person of the org (so it may be granted); returns its id. */
  newUser(): Promise<string>;
  newResource(): Promise<string>;
  newPerson(resourceId: string | null): Promise<string>;
  /** A fresh custom role (permissions `people:read`); returns its key. */
  newRole(): Promise<string>;
  newApiKey(): Promise<string>;
  /** A short unique string for names and keys. */
  unique(): string;
}

export interface MatrixRequest {
  url: string;
  payload?: string | object;
  headers?: Record<string, string>;
}

export interface MatrixEntry {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route template exactly as registered, e.g. `/api/v1/orgs/:orgId/people/:personId`. */
  route: string;
  /** What the entry exercises when a route has several (e.g. "at a resource"). */
  variant?: string;
  allowed: readonly ActorName[];
  /** The success status. */
  ok: number;
  /** Builds one request; called once per actor, so it may create a fresh target each time. */
  request(world: MatrixWorld): Promise<MatrixRequest> | MatrixRequest;
}
