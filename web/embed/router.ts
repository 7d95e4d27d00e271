/**
 * The elements' stand-in for vue-router (the embed build aliases `vue-router` to this file, so
 * People.vue and Access.vue run unchanged; the real router with its devtools would be a quarter
 * of the bundle). It keeps the route in memory: nothing here touches the host page's address.
 * It offers what those pages use: useRoute (params, query), useRouter (push, replace),
 * <RouterLink> and <RouterView>, plus a beforeEach guard for the element (a link to a person's
 * page fires `gatehouse:person-selected` instead of leaving the list).
 */
import { defineComponent, h, inject, reactive, shallowRef, type App, type Component, type PropType } from 'vue';

interface Route {
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  meta: Record<string, unknown>;
}
type To = string | { path?: string; query?: Record<string, string> };
type Guard = (to: Route, from: Route) => boolean;

interface RouteRecord {
  path: string;
  component: Component;
  meta?: Record<string, unknown>;
}

const KEY = Symbol('gatehouse-element-router');

function match(records: readonly RouteRecord[], path: string): { record: RouteRecord; params: Record<string, string> } | null {
  const parts = path.split('/').filter((p) => p !== '');
  for (const record of records) {
    const pattern = record.path.split('/').filter((p) => p !== '');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (pattern.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = decodeURIComponent(parts[i] ?? '')), true) : p === parts[i]))) return { record, params };
  }
  return null;
}

function queryString(query: Record<string, string>): string {
  const search = new URLSearchParams(query).toString();
  return search === '' ? '' : `?${search}`;
}

export function createElementRouter(records: readonly RouteRecord[]) {
  const route = reactive<Route>({ path: '/', params: {}, query: {}, meta: {} });
  const view = shallowRef<Component | null>(null);
  const guards: Guard[] = [];

  function resolve(to: To): Route {
    const target = typeof to === 'string' ? new URL(to, 'http://x') : null;
    const path = target?.pathname ?? (typeof to === 'string' ? route.path : (to.path ?? route.path));
    const query = target !== null ? Object.fromEntries(target.searchParams) : typeof to === 'string' ? {} : (to.query ?? {});
    const found = match(records, path);
    return { path, params: found?.params ?? {}, query, meta: found?.record.meta ?? {} };
  }

  async function go(to: To): Promise<void> {
    const next = resolve(to);
    const from = { ...route };
    if (!guards.every((guard) => guard(next, from))) return;
    view.value = match(records, next.path)?.record.component ?? null;
    Object.assign(route, next);
    await Promise.resolve();
  }

  const router = {
    route,
    view,
    push: go,
    replace: go,
    href: (to: To) => {
      const r = resolve(to);
      return `#${r.path}${queryString(r.query)}`;
    },
    beforeEach(guard: Guard) {
      guards.push(guard);
    },
    install(app: App) {
      app.provide(KEY, router);
      app.component('RouterLink', RouterLink);
      app.component('RouterView', RouterView);
    },
  };
  return router;
}
export type ElementRouter = ReturnType<typeof createElementRouter>;

export function useRouter(): ElementRouter {
  const router = inject<ElementRouter>(KEY);
  if (router === undefined) throw new Error('No element router installed.');
  return router;
}

export function useRoute(): Route {
  return useRouter().route;
}

export const RouterLink = defineComponent({
  name: 'RouterLink',
  props: { to: { type: [String, Object] as PropType<To>, required: true } },
  setup(props, { slots }) {
    const router = useRouter();
    return () =>
      h(
        'a',
        {
          href: router.href(props.to),
          onClick: (event: MouseEvent) => {
            if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
            event.preventDefault();
            void router.push(props.to);
          },
        },
        slots.default?.(),
      );
  },
});

/** The current page; its attributes (listeners such as @changed) pass to it. */
export const RouterView = defineComponent({
  name: 'RouterView',
  inheritAttrs: false,
  setup(_props, { attrs }) {
    const router = useRouter();
    return () => (router.view.value === null ? null : h(router.view.value, { ...attrs, key: router.route.path }));
  },
});
