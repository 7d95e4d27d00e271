/**
 * /embed/v1/gatehouse.js: defines <gatehouse-invitation-panel>, <gatehouse-access-list> and
 * <gatehouse-people>, the console's own components as custom elements (README.md, "Embedding").
 * Importing it defines them (once, even if loaded twice); `registerLocale` adds a language.
 */
import AccessListElement from './AccessListElement.vue';
import InvitationPanelElement from './InvitationPanelElement.vue';
import PeopleElement from './PeopleElement.vue';
import { defineElement } from './define';
import { elementRouter } from './routes';
import { startFrame } from './frame';

export { registerLocale } from './messages';

const ELEMENTS: [string, () => CustomElementConstructor][] = [
  ['gatehouse-invitation-panel', () => defineElement(InvitationPanelElement)],
  ['gatehouse-access-list', () => defineElement(AccessListElement, elementRouter)],
  ['gatehouse-people', () => defineElement(PeopleElement, elementRouter)],
];

for (const [name, make] of ELEMENTS) {
  if (customElements.get(name) === undefined) customElements.define(name, make());
}

startFrame();
