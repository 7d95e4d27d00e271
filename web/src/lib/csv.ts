/**
 * Splits a CSV file into its header and records (quotes respected, so a quoted field may hold a
 * new line), remembering where each record starts, so a large import can be sent in chunks with
 * progress and the server's line numbers mapped back to the file's.
 */
export interface CsvRecord {
  text: string;
  /** 1-based physical line of the file where the record starts. */
  line: number;
}

export function splitCsv(text: string): { header: string; records: CsvRecord[] } {
  const records: CsvRecord[] = [];
  let inQuotes = false;
  let start = 0;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (c === '\n') {
      if (!inQuotes) {
        records.push({ text: text.slice(start, i).replace(/\r$/, ''), line: startLine });
        start = i + 1;
        startLine = line + 1;
      }
      line++;
    }
  }
  if (start < text.length) records.push({ text: text.slice(start).replace(/\r$/, ''), line: startLine });
  const [header, ...rest] = records;
  return { header: header?.text ?? '', records: rest.filter((r) => r.text.trim() !== '') };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const newlines = (text: string): number => text.split('\n').length - 1;

/**
 * One chunk of records as a CSV body of its own: the header, then each record on the same line
 * it has in the file (the gaps filled with blank lines, which the server skips), so every line
 * number the server reports, also inside its messages ("already appears on line 7"), is the
 * file's line number.
 */
export function chunkBody(header: string, records: readonly CsvRecord[]): string {
  let body = header;
  let line = 1 + newlines(header);
  for (const record of records) {
    body += '\n'.repeat(Math.max(1, record.line - line)) + record.text;
    line = record.line + newlines(record.text);
  }
  return body;
}
