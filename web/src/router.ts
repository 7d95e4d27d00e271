/**
 * Routes. Console pages (meta.auth) wait for GET /me before they render, so a signed-out visitor
 * goes to sign-in without seeing a flash of the console, and the reverse.
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { setUnauthenticatedHandler } from './api/api';
import { loadMe, myOrgs, session } from './lib/session';
import { captureToken } from './lib/tokens';
import ConsoleLayout from './pages/console/ConsoleLayout.vue';
import SignIn from './pages/public/SignIn.vue';
import Invite from './pages/public/Invite.vue';
import NotFound from './pages/public/NotFound.vue';

declare module 'vue-router' {
  interface RouteMeta {
    auth?: boolean;
    title?: string;
    /** The org page (lib/pages.ts) a route belongs to, checked by the console layout. */
    page?: string;
  }
}

const org = (path: string, title: string, component: RouteRecordRaw['component']): RouteRecordRaw => ({
  path: `/orgs/:orgId/${path}`,
  component,
  meta: { auth: true, title, page: path.split('/')[0] },
}) as RouteRecordRaw;

const routes: RouteRecordRaw[] = [
  { path: '/sign-in', component: SignIn, meta: { title: 'Sign in' } },
  { path: '/sign-up', component: () => import('./pages/public/SignUp.vue'), meta: { title: 'Create an account' } },
  { path: '/forgot-password', component: () => import('./pages/public/ForgotPassword.vue'), meta: { title: 'Forgot password' } },
  { path: '/invite', component: Invite, meta: { title: 'Invitation' } },
  { path: '/authorize/:uid', component: () => import('./pages/public/Authorize.vue'), meta: { title: 'Sign in to an app' } },
  { path: '/setup', component: () => import('./pages/public/Setup.vue'), meta: { title: 'Set up Gatehouse' } },
  { path: '/verify-email', component: () => import('./pages/public/VerifyEmail.vue'), meta: { title: 'Verify email' } },
  { path: '/reset-password', component: () => import('./pages/public/ResetPassword.vue'), meta: { title: 'Choose a new password' } },
  {
    path: '/',
    component: ConsoleLayout,
    meta: { auth: true },
    children: [
      {
        path: '',
        component: NotFound,
        beforeEnter: () => {
          const orgs = myOrgs(session.me);
          return orgs.length === 1 && orgs[0] !== undefined ? `/orgs/${orgs[0].id}` : '/orgs';
        },
      },
      { path: '/orgs', component: () => import('./pages/console/Orgs.vue'), meta: { auth: true, title: 'Organizations' } },
      { path: '/orgs/:orgId', component: () => import('./pages/console/OrgHome.vue'), meta: { auth: true, title: 'Overview' } },
      org('people', 'People', () => import('./pages/console/People.vue')),
      org('people/:personId', 'Person', () => import('./pages/console/Person.vue')),
      org('invitations', 'Invitations', () => import('./pages/console/Invitations.vue')),
      org('access', 'Access', () => import('./pages/console/Access.vue')),
      org('roles', 'Roles', () => import('./pages/console/Roles.vue')),
      org('settings', 'Settings', () => import('./pages/console/Settings.vue')),
      org('api-keys', 'API keys', () => import('./pages/console/ApiKeys.vue')),
      org('apps', 'Apps', () => import('./pages/console/Apps.vue')),
      org('webhooks', 'Webhooks', () => import('./pages/console/Webhooks.vue')),
      org('audit', 'Audit log', () => import('./pages/console/Audit.vue')),
      { path: '/mailbox', component: () => import('./pages/console/Mailbox.vue'), meta: { auth: true, title: 'Mailbox' } },
    ],
  },
  { path: '/:pathMatch(.*)*', component: NotFound, meta: { title: 'Not found' } },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  // A token link followed inside the app: keep the token, drop it from the address.
  const stripped = captureToken(to.path);
  if (stripped !== null) return { path: stripped, replace: true };
  if (to.meta.auth === true) {
    // A server that cannot answer /me is treated as signed out: sign-in shows the real error.
    const me = await loadMe().catch(() => null);
    if (me === null) return { path: '/sign-in', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
  }
  return true;
});

router.afterEach((to) => {
  document.title = to.meta.title === undefined ? 'Gatehouse' : `${to.meta.title} · Gatehouse`;
});

setUnauthenticatedHandler(() => {
  session.me = null;
  const here = router.currentRoute.value;
  if (here.meta.auth === true) void router.push({ path: '/sign-in', query: { next: here.fullPath } });
});
