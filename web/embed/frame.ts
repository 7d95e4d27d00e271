/**
 * The iframe mode (/embed/v1/frame/<element>?token=…&person-id=…): for hosts that would rather
 * frame Gatehouse than load its script. The server answers the frame page (with
 * `frame-ancestors` from the token's app); this puts the element on it, with the attributes
 * from the query, drops the token from the address, and tells the parent window the element's
 * height (so the host sizes the iframe) and, through element.ts, every `gatehouse:*` event,
 * as messages `{ source: 'gatehouse', type, detail }`.
 */
const FRAME_PREFIX = '/embed/v1/frame/';
const ELEMENTS = new Set(['invitation-panel', 'access-list', 'people']);
const ATTRIBUTES = ['token', 'person-id', 'email', 'resource-id', 'locale'];

export function startFrame(): void {
  if (!location.pathname.startsWith(FRAME_PREFIX) || window.parent === window) return;
  const name = location.pathname.slice(FRAME_PREFIX.length).replace(/^gatehouse-/, '').replace(/\/$/, '');
  let element = document.querySelector<HTMLElement>('gatehouse-invitation-panel, gatehouse-access-list, gatehouse-people');
  if (element === null) {
    if (!ELEMENTS.has(name)) return;
    element = document.createElement(`gatehouse-${name}`);
    document.body.append(element);
  }
  const query = new URLSearchParams(location.search);
  for (const attribute of ATTRIBUTES) {
    const value = query.get(attribute);
    if (value !== null && !element.hasAttribute(attribute)) element.setAttribute(attribute, value);
  }
  if (query.has('token')) {
    query.delete('token');
    const search = query.toString();
    history.replaceState(null, '', location.pathname + (search === '' ? '' : `?${search}`));
  }
  const target = element;
  new ResizeObserver(() => {
    window.parent.postMessage({ source: 'gatehouse', type: 'gatehouse:resize', detail: { height: Math.ceil(target.getBoundingClientRect().height) } }, '*');
  }).observe(target);
}
