/**
 * Named prepared statements for the hottest statements (an invitation create, an invitation
 * list page, the API key and session look-ups). On a PostgreSQL server each is then parsed and
 * planned once per connection instead of on every execution; for the create's write statement
 * and context query that was over a third of the server's CPU per create (bench/invitations.js).
 * PGlite runs them as it runs any statement.
 *
 * A statement opts in by running through `prepared(query)`, which marks its text; the pool in
 * database.ts names marked texts. Rules for a statement that opts in:
 * - its result names its columns (no `*`): a migration that adds a column while an instance
 *   runs would otherwise change the result of an already prepared statement, which PostgreSQL
 *   refuses with "cached plan must not change result type";
 * - its text must not vary with its input (lists travel as one array parameter, `= any($1)`),
 *   so it has a few shapes, not one per list length.
 */
import { CompiledQuery, type Compilable } from 'kysely';

/** The start of a statement text to be run as a named prepared statement. */
export const PREPARED_MARK = '/* prepared */ ';

/** The query, compiled, with its text marked for preparation. */
export function prepared<R>(query: Compilable<R> | CompiledQuery<R>): CompiledQuery<R> {
  const compiled = 'compile' in query ? query.compile() : query;
  return CompiledQuery.raw(`${PREPARED_MARK}${compiled.sql}`, [...compiled.parameters]);
}
