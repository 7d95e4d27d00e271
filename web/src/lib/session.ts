/**
 * Who is signed in: GET /api/v1/me, loaded once and refreshed after sign-in, sign-out, accept
 * and org creation. `loaded` is false until the first answer, so pages never show the signed-out
 * state to a signed-in user while loading.
 */
import { reactive } from 'vue';
import { api, ApiError, unwrap } from '../api/api';
import type { Me } from '../api/types';

export const session = reactive<{ loaded: boolean; me: Me | null }>({ loaded: false, me: null });

let inflight: Promise<Me | null> | null = null;

export function loadMe(force = false): Promise<Me | null> {
  if (session.loaded && !force) return Promise.resolve(session.me);
  inflight ??= unwrap(api.GET('/api/v1/me'))
    .catch((error: unknown) => {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
      throw error;
    })
    .then((me) => {
      session.me = me;
      session.loaded = true;
      return me;
    })
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

export async function signOut(): Promise<void> {
  await unwrap(api.POST('/api/v1/auth/sign-out'));
  session.me = null;
  session.loaded = true;
}

/** Orgs the user belongs to, once each (a user may hold several grants in one org). */
export function myOrgs(me: Me | null): { id: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const membership of me?.memberships ?? []) seen.set(membership.org.id, membership.org.name);
  return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}
