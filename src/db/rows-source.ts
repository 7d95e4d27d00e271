/**
 * Rows as parameters of a statement built as text, for `insert … select` in data-modifying
 * CTEs: a statement that writes to several tables at once (the invitation create) takes each
 * table's rows this way, in one round trip, whatever their number.
 *
 * Two shapes, by size. A few rows travel as a VALUES list with one parameter per value: the
 * cheapest for PostgreSQL to run. Many rows travel as one array per column, turned back into
 * rows by `unnest`: the parameter count stays fixed (PostgreSQL allows 65,535), and PostgreSQL
 * reads 1,000 rows of 21 columns in about a tenth of the time it takes to bind a VALUES list
 * of 21,000 parameters; but each array is a set-returning function call, which for a single
 * row costs more than the row itself.
 *
 * The text is built directly rather than with Kysely's `sql` template: it is the hottest
 * statement of the create path, and composing it from template fragments cost more CPU than
 * the rest of the request's query building together. Only column names and types from the
 * caller's constant maps enter the text; every value is a parameter.
 *
 * jsonb columns travel as JSON text (what the row builders produce for Kysely inserts) and are
 * cast back with `::jsonb`.
 */
export type ColumnType = 'uuid' | 'text' | 'integer' | 'smallint' | 'timestamptz' | 'jsonb';

/** The parameters of a statement built as text: each value added gets the next `$n`. */
export class StatementParameters {
  readonly values: unknown[] = [];

  /** `$n::type` for `value`. */
  add(value: unknown, type: ColumnType): string {
    this.values.push(value);
    return `$${String(this.values.length)}::${type}`;
  }
}

export interface RowsSource {
  /** `"a", "b", …`: the column list of the INSERT. */
  columns: string;
  /** `x."a", x."b"::jsonb, …`: the select list over `source`. */
  values: string;
  /** `(values ($1::uuid, …), …) as x("a", …)` or `unnest($1::uuid[], …) as x("a", …)`. */
  source: string;
}

/** Up to this many rows go as a VALUES list. */
const VALUES_MAX_ROWS = 10;

/** `columns` maps each column to its type; each row carries its values under the same keys. */
export function rowsSource<Row extends object>(
  rows: readonly Row[],
  columns: Readonly<Record<keyof Row & string, ColumnType>>,
  parameters: StatementParameters,
): RowsSource {
  if (rows.length === 0) throw new Error('rowsSource: no rows');
  const names = Object.keys(columns) as (keyof Row & string)[];
  const carried = (name: keyof Row & string): ColumnType => (columns[name] === 'jsonb' ? 'text' : columns[name]);
  const alias = `x(${names.map((name) => `"${name}"`).join(', ')})`;
  const source =
    rows.length <= VALUES_MAX_ROWS
      ? `(values ${rows.map((row) => `(${names.map((name) => parameters.add(row[name], carried(name))).join(', ')})`).join(', ')}) as ${alias}`
      : `unnest(${names.map((name) => `${parameters.add(rows.map((row) => row[name]), carried(name))}[]`).join(', ')}) as ${alias}`;
  return {
    columns: names.map((name) => `"${name}"`).join(', '),
    values: names.map((name) => (columns[name] === 'jsonb' ? `x."${name}"::jsonb` : `x."${name}"`)).join(', '),
    source,
  };
}
