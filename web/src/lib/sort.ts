/**
 * A list's sort as the console keeps it in the page's address (`?sort=-name`, docs/rules.md R91):
 * reading it against the list's keys (anything else is the list's default), the sort a column
 * header asks for next, the header's `aria-sort`, and the choices of the phone-width sort select.
 */

/** A sort as the API and the address name it: the key, with a leading `-` for descending. */
export type SortName<K extends string> = K | `-${K}`;

/** The key a sort orders by. */
export function sortKey<K extends string>(sort: SortName<K>): K {
  return (sort.startsWith('-') ? sort.slice(1) : sort) as K;
}

/** Whether a sort is descending. */
export function isDescending(sort: string): boolean {
  return sort.startsWith('-');
}

/** The sort in the address's `sort` value when it is one of `keys`' (either direction), else `fallback`. */
export function parseSort<K extends string>(value: unknown, keys: readonly K[], fallback: SortName<K>): SortName<K> {
  if (typeof value !== 'string') return fallback;
  const key = value.startsWith('-') ? value.slice(1) : value;
  return (keys as readonly string[]).includes(key) ? (value as SortName<K>) : fallback;
}

/**
 * The sort after pressing `key`'s header: the other direction when the list is already sorted by
 * it, else `key` ascending, or descending for the keys where the newest or largest comes first.
 */
export function nextSort<K extends string>(current: SortName<K>, key: K, descendingFirst: readonly K[] = []): SortName<K> {
  if (sortKey(current) === key) return isDescending(current) ? key : `-${key}`;
  return descendingFirst.includes(key) ? `-${key}` : key;
}

/** A column header's `aria-sort`: its direction when the list is sorted by it, else none. */
export function ariaSort<K extends string>(current: SortName<K>, key: K): 'ascending' | 'descending' | 'none' {
  if (sortKey(current) !== key) return 'none';
  return isDescending(current) ? 'descending' : 'ascending';
}

/** The address query of a list's filters and sort: empty values and the default sort left out. */
export function listQuery(values: Record<string, string>, defaultSort: string): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([name, value]) => value !== '' && !(name === 'sort' && value === defaultSort)));
}
