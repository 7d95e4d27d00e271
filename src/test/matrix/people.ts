/** Authorization matrix entries for the people directory. */
import { newInvitation } from './invitations.js';
import { ADMINS, type MatrixEntry, type MatrixWorld } from './types.js';

const people = (w: { orgId: string }) => `/api/v1/orgs/${w.orgId}/people`;
const READERS = ['owner', 'admin', 'member', 'keyWith'] as const;

/** A fresh person with an invitation at the same scope; returns the person's id. */
async function invitedPerson(w: MatrixWorld, resourceId: string | null): Promise<string> {
  const personId = await w.newPerson(resourceId);
  await newInvitation(w, resourceId, personId);
  return personId;
}

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
  // The person's latest invitation: reading invitations at the person's scope (R92).
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/people/:personId/invitation',
    allowed: [...READERS, 'resourceAdmin'],
    ok: 200,
    request: async (w) => ({ url: `${people(w)}/${await invitedPerson(w, w.resourceId)}/invitation` }),
  },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/people/:personId/invitation',
    variant: 'org-wide person',
    allowed: READERS,
    ok: 200,
    request: async (w) => ({ url: `${people(w)}/${await invitedPerson(w, null)}/invitation` }),
  },
];
