/**
 * Focus for things that open in place (a form, a confirmation): `v-opens` moves focus into the
 * element when it appears (its first field or button) and, when it goes away, back to whatever
 * had focus before it opened, so a keyboard user is never dropped at the top of the page.
 * Escape is the caller's (`@keydown.esc="cancel"`), since only it knows what cancelling means.
 */
import type { Directive } from 'vue';

const FOCUSABLE = 'input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled]), [href], [tabindex]:not([tabindex="-1"])';
const openers = new WeakMap<HTMLElement, HTMLElement | null>();

/**
 * The focused element as seen from `near`: inside a shadow root (the embeddable elements render
 * the same components in one) `document.activeElement` is only the host, so ask `near`'s root.
 */
export function activeElement(near?: Node | null): Element | null {
  const root = near?.getRootNode() ?? document;
  return root instanceof ShadowRoot || root instanceof Document ? root.activeElement : document.activeElement;
}

export const vOpens: Directive<HTMLElement> = {
  mounted(el) {
    const active = activeElement(el);
    const before = active instanceof HTMLElement && active !== document.body ? active : null;
    openers.set(el, before);
    const target = el.querySelector<HTMLElement>(FOCUSABLE);
    (target ?? el).focus();
  },
  beforeUnmount(el) {
    const before = openers.get(el) ?? null;
    const active = activeElement(el);
    const inside = el.contains(active);
    // Only when focus was inside (or lost): a click elsewhere keeps its own focus.
    if (before !== null && (inside || active === document.body || active === null)) {
      queueMicrotask(() => {
        if (before.isConnected) before.focus();
      });
    }
  },
};

/**
 * After a route change, focus goes to the new page's heading (so a screen reader announces it
 * and Tab starts from the page, not the menu). Pages render their heading after their data, so
 * this waits for one, briefly.
 */
export function focusHeading(root: HTMLElement | null, attempts = 40): void {
  if (root === null) return;
  const heading = root.querySelector<HTMLElement>('h1');
  if (heading === null) {
    if (attempts > 0) {
      setTimeout(() => {
        focusHeading(root, attempts - 1);
      }, 50);
    }
    return;
  }
  if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: false });
}
