/**
 * What every element does around its console component: connects with its token (or getToken)
 * to its Gatehouse (base-url, else the origin this script came from), says its words in its
 * locale, and speaks to the host page in DOM events that bubble out of the shadow root
 * (`gatehouse:*`, composed). An iframe-mode element also posts them, and its height, to the
 * parent window (frame.ts).
 */
import { computed, onBeforeUnmount, useHost, watch } from 'vue';
import { connect, onFailure, widget } from './connection';
import { messagesFor } from './messages';

/** The attributes and properties every element takes. */
export interface CommonProps {
  token?: string | undefined;
  getToken?: (() => Promise<string>) | undefined;
  baseUrl?: string | undefined;
  locale?: string | undefined;
}

/** Where the script was loaded from: the default Gatehouse to talk to. */
export const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

export type GatehouseEvent = 'gatehouse:invited' | 'gatehouse:revoked' | 'gatehouse:access-changed' | 'gatehouse:error' | 'gatehouse:person-selected';

export function useElement(props: CommonProps) {
  const host = useHost();
  const t = computed(() => messagesFor(props.locale));

  function fire(type: GatehouseEvent, detail: Record<string, unknown>): void {
    host?.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, detail }));
    if (window.parent !== window) window.parent.postMessage({ source: 'gatehouse', type, detail }, '*');
  }

  watch(
    () => [props.token, props.getToken, props.baseUrl] as const,
    ([token, getToken, baseUrl]) => {
      if ((token === undefined || token === '') && typeof getToken !== 'function') return;
      connect({ baseUrl: baseUrl ?? SCRIPT_ORIGIN, token: token ?? null, getToken: typeof getToken === 'function' ? getToken : null }).catch((error: unknown) => {
        const coded = error as { code?: unknown; status?: unknown };
        fire('gatehouse:error', { code: typeof coded.code === 'string' ? coded.code : 'UNKNOWN', status: typeof coded.status === 'number' ? coded.status : 0, message: error instanceof Error ? error.message : String(error) });
      });
    },
    { immediate: true },
  );
  const stop = onFailure((failure) => {
    fire('gatehouse:error', failure);
  });
  onBeforeUnmount(stop);

  const hasCredentials = computed(() => (props.token !== undefined && props.token !== '') || typeof props.getToken === 'function');
  return { host, t, fire, widget, hasCredentials };
}
