/**
 * The elements' own words (around the console's components): English built in, other languages
 * added by the host with `registerLocale` before or after the elements are defined, chosen per
 * element with the `locale` attribute (falling back to the language alone, then English).
 */
const EN = {
  connecting: 'Connecting to Gatehouse…',
  noToken: 'This element needs a token or getToken.',
  refused: 'Gatehouse refused this page’s token.',
  personNotFound: 'This person is not in the directory.',
  personNeeded: 'Set person-id or email on this element.',
  readOnly: 'You can see this invitation but not change it.',
  accessStatus: 'Access',
};
export type MessageKey = keyof typeof EN;
export type Messages = Record<MessageKey, string>;

const catalogue = new Map<string, Partial<Messages>>([['en', EN]]);

/** Adds or extends a language: `registerLocale('fr', { connecting: 'Connexion…' })`; missing words stay English. */
export function registerLocale(locale: string, messages: Partial<Messages>): void {
  catalogue.set(locale.toLowerCase(), { ...catalogue.get(locale.toLowerCase()), ...messages });
}

export function messagesFor(locale: string | null | undefined): Messages {
  const wanted = (locale ?? 'en').toLowerCase();
  const own = catalogue.get(wanted) ?? catalogue.get(wanted.split('-')[0] ?? '') ?? {};
  return { ...EN, ...own };
}
