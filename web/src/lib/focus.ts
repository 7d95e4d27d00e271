/**
 * Focus for things that open in place (a form, a confirmation): `v-opens` moves focus into the
 * element when it appears (its first field or button) and, when it goes away, back to whatever
 * had focus before it opened, so a keyboard user is never dropped at the top of the page.
 * Escape is the caller's (`@keydown.esc="cancel"`), since only it knows what cancelling means.
 */
import type { Directive } from 'vue';

const FOCUSABLE = 'input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled]), [href], [tabindex]:not([tabindex="-1"])';
const openers = new WeakMap<HTMLElement, HTMLElement | null>();

export const vOpens: Directive<HTMLElement> = {
  mounted(el) {
    const before = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    openers.set(el, before);
    const target = el.querySelector<HTMLElement>(FOCUSABLE);
    (target ?? el).focus();
  },
  beforeUnmount(el) {
    const before = openers.get(el) ?? null;
    const inside = el.contains(document.activeElement);
    // Only when focus was inside (or lost): a click elsewhere keeps its own focus.
    if (before !== null && (inside || document.activeElement === document.body)) {
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
