/**
 * Custom elements from the console's Vue components, styled without inline <style>.
 *
 * Vue's defineCustomElement puts each component's CSS into the shadow root as <style> elements,
 * which a host page's strict `style-src` (no 'unsafe-inline') refuses. Every element here instead
 * adopts constructable stylesheets (shadowRoot.adoptedStyleSheets), which CSP does not govern:
 * the console's own styles.css (its `:root` theme read at the element's `:host`), the theme
 * mapping of the --gatehouse-* custom properties, and each component's CSS as Vue asks to add
 * it (root and child components both pass through `_applyStyles`). One sheet per distinct CSS
 * text, shared by every element on the page. See docs/rules.md R88.
 */
import { defineCustomElement, type App, type DefineComponent } from 'vue';
import consoleCss from '../src/styles.css?inline';
import themeCss from './theme.css?inline';

const sheets = new Map<string, CSSStyleSheet>();
function sheetOf(css: string): CSSStyleSheet {
  let sheet = sheets.get(css);
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    sheets.set(css, sheet);
  }
  return sheet;
}

const BASE_CSS = [consoleCss.replace(/:root\b/g, ':host'), themeCss];

function adopt(root: ShadowRoot, styles: readonly string[]): void {
  const adding = styles.map(sheetOf).filter((sheet) => !root.adoptedStyleSheets.includes(sheet));
  if (adding.length > 0) root.adoptedStyleSheets = [...root.adoptedStyleSheets, ...adding];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any SFC, whatever its props
export function defineElement(component: DefineComponent<any, any, any>, configureApp?: (app: App) => void): CustomElementConstructor {
  const Base = defineCustomElement(component, configureApp === undefined ? {} : { configureApp });
  class GatehouseElement extends Base {
    constructor() {
      super();
      const root = (this as unknown as HTMLElement).shadowRoot;
      if (root !== null) adopt(root, BASE_CSS);
    }
  }
  // Replaces Vue's <style> insertion (a private method of VueElement, hence not a TS override).
  Object.defineProperty(GatehouseElement.prototype, '_applyStyles', {
    value(this: HTMLElement, styles: readonly string[] | undefined) {
      if (styles !== undefined && this.shadowRoot !== null) adopt(this.shadowRoot, styles);
    },
  });
  return GatehouseElement as unknown as CustomElementConstructor;
}
