/** Authorization matrix entries for the people directory. */
import { ADMINS, type MatrixEntry } from './types.js';

const people = (w: { orgId: string }) => `/api/v1/orgs/${w.orgId}/people`;
const READERS = ['owner', 'admin', 'member', 'keyWith'] as const;

export const PEOPLE_MATRIX: MatrixEntry[] = [
  { method: 'GET', route: '/api/v1/orgs/:orgId/people', allowed: READERS, ok: 200, request: (w) => ({ url: people(w) }) },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/people',
    variant: 'at a resource',
    allowed: [...READERS, 'resourceAdmin'],
    ok: 200,
    request: (w) => ({ url: `${people(w)}?resourceId=${w.resourceId}` }),
  },
  { method: 'GET', route: '/api/v1/orgs/:orgId/people/counts', allowed: READERS, ok: 200, request: (w) => ({ url: `${people(w)}/counts` }) },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/people/counts',
    variant: 'at a resource',
    allowed: [...READERS, 'resourceAdmin'],
    ok: 200,
    request: (w) => ({ url: `${people(w)}/counts?resourceId=${w.resourceId}` }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/people',
    allowed: ADMINS,
    ok: 201,
    request: (w) => ({ url: people(w), payload: { firstName: 'Pat', lastName: 'Doe', email: `${w.unique()}@example.test` } }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/people',
    variant: 'at a resource',
    allowed: [...ADMINS, 'resourceAdmin'],
    ok: 201,
    request: (w) => ({ url: people(w), payload: { firstName: 'Pat', lastName: 'Doe', email: `${w.unique()}@example.test`, resourceId: w.resourceId } }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/people/import',
    allowed: ADMINS,
    ok: 200,
    request: (w) => ({
      url: `${people(w)}/import`,
      payload: `firstName,lastName,email\nPat,Doe,${w.unique()}@example.test\n`,
      headers: { 'content-type': 'text/csv' },
    }),
  },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/people/:personId',
    allowed: [...READERS, 'resourceAdmin'],
    ok: 200,
    request: async (w) => ({ url: `${people(w)}/${await w.newPerson(w.resourceId)}` }),
  },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/people/:personId',
    variant: 'org-wide person',
    allowed: READERS,
    ok: 200,
    request: async (w) => ({ url: `${people(w)}/${await w.newPerson(null)}` }),
  },
  {
    method: 'PATCH',
    route: '/api/v1/orgs/:orgId/people/:personId',
    allowed: [...ADMINS, 'resourceAdmin'],
    ok: 200,
    request: async (w) => ({ url: `${people(w)}/${await w.newPerson(w.resourceId)}`, payload: { title: 'Nurse' } }),
  },
  {
    method: 'DELETE',
    route: '/api/v1/orgs/:orgId/people/:personId',
    allowed: [...ADMINS, 'resourceAdmin'],
    ok: 204,
    request: async (w) => ({ url: `${people(w)}/${await w.newPerson(w.resourceId)}` }),
  },
];
