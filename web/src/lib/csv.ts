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
