/**
 * CSV import into the directory (POST /people/import, `text/csv`).
 *
 * Header row naming the columns `firstName,lastName,email` and optionally `title` (any order,
 * case-insensitive). At most MAX_IMPORT_ROWS data rows (413 CSV_TOO_LARGE beyond, and nothing
 * is written). Each line is validated on its own: a failing line (a NUL byte included) is
 * reported as `{ line, message }` and nothing of it is written; the others are upserted by
 * canonical email (a second line with an email already seen in the file is an error, not a
 * silent overwrite). Without a `title` column, existing titles are kept.
 *
 * One import must not hold up the server: the body is parsed as a stream, a slice at a time,
 * handing the event loop back between slices, and parsing stops at the first row past the cap.
 * The valid lines are then written in batches of WRITE_BATCH rows, one statement each, again
 * yielding between batches, so other requests get the process and the database in between. A
 * failure part-way leaves the batches before it written; running the same file again is safe,
 * as rows are upserted by email.
 */
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CsvError, parse } from 'csv-parse';
import { parseEmail } from '../auth/email.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { upsertPeople } from './person.repository.js';

export const MAX_IMPORT_ROWS = 50_000;
/** Enough for MAX_IMPORT_ROWS lines of generous length (about 600 bytes each). */
export const CSV_BODY_LIMIT = 30 * 1024 * 1024;
/** Rows per INSERT: small enough that one statement on the embedded database is a short pause. */
const WRITE_BATCH = 250;
/** Characters of CSV parsed between two turns of the event loop. */
const PARSE_SLICE = 64 * 1024;
/** Lines validated between two turns of the event loop. */
const VALIDATE_SLICE = 2_000;
const MAX_NAME = 200;
const MAX_TITLE = 200;

const REQUIRED = ['firstName', 'lastName', 'email'] as const;
const OPTIONAL = ['title'] as const;
type Column = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];

export interface ImportResult {
  created: number;
  updated: number;
  errors: { line: number; message: string }[];
}

interface ParsedLine {
  line: number;
  fields: string[];
}

/** The body in slices, each after a turn of the event loop. */
async function* slices(text: string): AsyncGenerator<string> {
  for (let offset = 0; offset < text.length; offset += PARSE_SLICE) {
    await nextTurn();
    yield text.slice(offset, offset + PARSE_SLICE);
  }
}

function parsedLine(value: unknown): ParsedLine {
  if (typeof value === 'object' && value !== null && 'record' in value && 'info' in value) {
    const { record, info } = value;
    if (Array.isArray(record) && typeof info === 'object' && info !== null && 'lines' in info && typeof info.lines === 'number') {
      return { line: info.lines, fields: record.map(String) };
    }
  }
  throw new Error('csv-parse: unexpected record shape');
}

/** The header and at most MAX_IMPORT_ROWS data lines; 413 CSV_TOO_LARGE at the first line past that. */
async function readCsv(text: string): Promise<ParsedLine[]> {
  const lines: ParsedLine[] = [];
  const source = Readable.from(slices(text), { objectMode: false });
  const parser = source.pipe(parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  try {
    for await (const value of parser) {
      lines.push(parsedLine(value));
      if (lines.length > MAX_IMPORT_ROWS + 1) {
        throw new AppError('CSV_TOO_LARGE', { message: `The CSV file has more than ${String(MAX_IMPORT_ROWS)} rows; the limit is ${String(MAX_IMPORT_ROWS)}.` });
      }
    }
  } catch (error) {
    if (error instanceof CsvError) {
      throw new AppError('CSV_INVALID', { details: [{ path: 'body', message: error.message }] });
    }
    throw error;
  } finally {
    source.destroy();
    parser.destroy();
  }
  return lines;
}

function headerColumns(header: ParsedLine | undefined): Map<Column, number> {
  if (header === undefined) throw new AppError('CSV_INVALID', { details: [{ path: 'body', message: 'the file is empty; expected a header row' }] });
  const known = new Map<string, Column>([...REQUIRED, ...OPTIONAL].map((column) => [column.toLowerCase(), column]));
  const columns = new Map<Column, number>();
  header.fields.forEach((name, index) => {
    const column = known.get(name.toLowerCase());
    if (column === undefined || columns.has(column)) {
      throw new AppError('CSV_INVALID', { details: [{ path: 'header', message: `unexpected column "${name}"; expected firstName,lastName,email,title` }] });
    }
    columns.set(column, index);
  });
  for (const column of REQUIRED) {
    if (!columns.has(column)) throw new AppError('CSV_INVALID', { details: [{ path: 'header', message: `missing column "${column}"` }] });
  }
  return columns;
}

interface ValidRow {
  email: string;
  firstName: string;
  lastName: string;
  title: string | null;
}

function validate(line: ParsedLine, columns: Map<Column, number>, width: number): ValidRow | string {
  if (line.fields.length !== width) return `expected ${String(width)} fields, found ${String(line.fields.length)}`;
  // The database cannot store a NUL byte in text: the line fails on its own, not the file.
  if (line.fields.some((value) => value.includes('\u0000'))) return 'contains a NUL byte';
  const field = (column: Column) => {
    const index = columns.get(column);
    return index === undefined ? '' : (line.fields[index] ?? '');
  };
  const firstName = field('firstName');
  const lastName = field('lastName');
  const title = field('title');
  if (firstName === '') return 'firstName is required';
  if (Array.from(firstName).length > MAX_NAME) return `firstName is longer than ${String(MAX_NAME)} characters`;
  if (Array.from(lastName).length > MAX_NAME) return `lastName is longer than ${String(MAX_NAME)} characters`;
  if (Array.from(title).length > MAX_TITLE) return `title is longer than ${String(MAX_TITLE)} characters`;
  let email: string;
  try {
    email = parseEmail(field('email'));
  } catch {
    return `"${field('email').slice(0, 100)}" is not a valid email address`;
  }
  return { email, firstName, lastName, title: title === '' ? null : title };
}

export async function importPeople(ctx: Pick<AppContext, 'db' | 'clock'>, orgId: string, text: string): Promise<ImportResult> {
  const [header, ...lines] = await readCsv(text);
  const columns = headerColumns(header);
  const width = header?.fields.length ?? 0;
  const errors: ImportResult['errors'] = [];
  const valid: ValidRow[] = [];
  const seen = new Map<string, number>();
  for (const [index, line] of lines.entries()) {
    if (index % VALIDATE_SLICE === VALIDATE_SLICE - 1) await nextTurn();
    const row = validate(line, columns, width);
    if (typeof row === 'string') {
      errors.push({ line: line.line, message: row });
      continue;
    }
    const earlier = seen.get(row.email);
    if (earlier !== undefined) {
      errors.push({ line: line.line, message: `${row.email} already appears on line ${String(earlier)}` });
      continue;
    }
    seen.set(row.email, line.line);
    valid.push(row);
  }
  const now = ctx.clock.now();
  let created = 0;
  let updated = 0;
  for (let start = 0; start < valid.length; start += WRITE_BATCH) {
    await nextTurn();
    const results = await upsertPeople(ctx.db, orgId, valid.slice(start, start + WRITE_BATCH), columns.has('title'), now);
    for (const inserted of results) {
      if (inserted) created += 1;
      else updated += 1;
    }
  }
  return { created, updated, errors };
}
