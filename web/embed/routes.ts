/**
 * The pages an element shows through its in-memory router (router.ts): the console's People and
 * Access pages, and a person's page that is never shown (the element turns it into an event).
 */
import type { App } from 'vue';
import Access from '../src/pages/console/Access.vue';
import People from '../src/pages/console/People.vue';
import { createElementRouter, type ElementRouter } from './router';

const Empty = { render: () => null };

export function elementRouter(app: App): void {
  app.use(
    createElementRouter([
      { path: '/orgs/:orgId/people', component: People },
      { path: '/orgs/:orgId/access', component: Access },
      { path: '/orgs/:orgId/people/:personId', component: Empty, meta: { person: true } },
    ]),
  );
}

/** Keeps the element on its page: a person's link becomes `onPerson(id)`; other links stay put. */
export function keepHome(router: ElementRouter, onPerson: (personId: string) => void): void {
  router.beforeEach((to, from) => {
    if (to.meta.person === true) {
      onPerson(to.params.personId ?? '');
      return false;
    }
    return from.path === '/' || to.path === '/' || to.path === from.path;
  });
}
