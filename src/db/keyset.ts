/**
 * Sortable keyset lists (docs/rules.md R91): a list declares, for each sort key it offers, the
 * expressions a page is ordered by, the row id last so the order is total. From that one spec
 * come the ORDER BY, the condition "after the cursor's position", the row's key as a cursor
 * carries it (the sort's name first, so a cursor is refused under another sort) and the shape the
 * cursor is checked against. Encoding and checking a cursor is `http/cursor.ts`'s.
 *
 * Every sort expression must be non-null (a row tuple compared with a null skips the row); a
 * list whose value may be missing sorts on a coalesced expression.
 */
import { type RawBuilder, sql, type SqlBool } from 'kysely';

/** How a key part travels in a cursor: the kinds `http/cursor.ts` checks. */
export type KeyPart = 'text' | 'uuid' | 'micros' | 'seq';

/** One column of a sort: the expression ordered by and how its value travels in a cursor. */
export interface KeyColumn {
  sql: RawBuilder<unknown>;
  part: KeyPart;
}

/** A list's sorts: each key's columns in order, the row id last. */
export type SortSpec<K extends string> = Readonly<Record<K, readonly KeyColumn[]>>;

/** A sort as the query names it: the key, with a leading `-` for descending. */
export type SortName<K extends string> = K | `-${K}`;

/** A sort resolved against its list's spec. */
export interface Sort {
  name: string;
  descending: boolean;
  columns: readonly KeyColumn[];
}

/** Every sort name of these keys, ascending and descending (the query parameter's allow-list). */
export function sortNames<const K extends string>(keys: readonly K[]): SortName<K>[] {
  return keys.flatMap((key) => [key, `-${key}` as const]);
}

/** The sort a name asks for. */
export function resolveSort<K extends string>(spec: SortSpec<K>, name: SortName<K>): Sort {
  const descending = name.startsWith('-');
  const key = (descending ? name.slice(1) : name) as K;
  return { name, descending, columns: spec[key] };
}

/** The shape of this sort's cursors: the sort's name, then one part per column. */
export function cursorShape(sort: Sort): KeyPart[] {
  return ['text', ...sort.columns.map((column) => column.part)];
}

/** A column's value as the row's key carries it: text, a timestamp as microseconds since the epoch. */
function keyValue(column: KeyColumn): RawBuilder<unknown> {
  return column.part === 'micros' ? sql`(extract(epoch from ${column.sql}) * 1000000)::bigint::text` : sql`(${column.sql})::text`;
}

/** A cursor's part as a value to compare with its column. */
function partValue(part: KeyPart, value: string): RawBuilder<unknown> {
  switch (part) {
    case 'micros':
      return sql`(timestamptz 'epoch' + ${value}::bigint * interval '1 microsecond')`;
    case 'seq':
      return sql`${value}::bigint`;
    case 'uuid':
      return sql`${value}::uuid`;
    case 'text':
      return sql`${value}::text`;
  }
}

/**
 * The row's sort key as one JSON array of text (select it `.as('sort_key')`); `cursorKey` turns
 * it into what the cursor carries.
 */
export function sortKeySelection(sort: Sort): RawBuilder<string[]> {
  return sql<string[]>`json_build_array(${sql.join(sort.columns.map(keyValue))})`;
}

/** What a cursor carries for a row: the sort's name, then the row's key. */
export function cursorKey(sort: Sort, sortKey: readonly string[]): string[] {
  return [sort.name, ...sortKey];
}

/**
 * Rows after the position a cursor decoded to (its parts after the sort's name): one row-tuple
 * comparison, every column in the sort's direction.
 */
export function afterPosition(sort: Sort, position: readonly string[]): RawBuilder<SqlBool> {
  const values = sort.columns.map((column, index) => partValue(column.part, position[index] ?? ''));
  const op = sql.raw(sort.descending ? '<' : '>');
  return sql<SqlBool>`(${sql.join(sort.columns.map((column) => column.sql))}) ${op} (${sql.join(values)})`;
}

/** The ORDER BY list of the sort (`sql` in `.orderBy(...)` each). */
export function orderTerms(sort: Sort): RawBuilder<unknown>[] {
  const direction = sql.raw(sort.descending ? 'desc' : 'asc');
  return sort.columns.map((column) => sql`${column.sql} ${direction}`);
}
