/**
 * A small RFC 4180 CSV reader, lenient where real-world files are sloppy.
 *
 * - Fields may be quoted with `"`; a doubled `""` inside quotes is a literal quote; quoted fields may hold the
 *   delimiter and line breaks.
 * - Line ends may be LF, CRLF or a lone CR. A leading UTF-8 byte-order mark is dropped.
 * - Blank lines (nothing but whitespace) are skipped.
 * - The delimiter is `,` unless given, or sniffed from the first line: `;` or a tab is used when the first line
 *   holds one of them and no comma (spreadsheets in some locales save "CSV" that way).
 * - An unterminated quote takes the rest of the text as the field instead of throwing; `unterminatedQuote` says so.
 */
export interface CsvRecord {
  /** 1-based line number where this record starts. */
  line: number;
  fields: string[];
}

export interface CsvParseResult {
  records: CsvRecord[];
  delimiter: string;
  unterminatedQuote: boolean;
}

export function sniffDelimiter(text: string): string {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/, 1)[0] ?? '';
  if (firstLine.includes(',')) return ',';
  if (firstLine.includes(';')) return ';';
  if (firstLine.includes('\t')) return '\t';
  return ',';
}

export function parseCsv(text: string, delimiter?: string): CsvParseResult {
  const src = text.replace(/^\uFEFF/, '');
  const delim = delimiter ?? sniffDelimiter(src);
  if (delim.length !== 1 || delim === '"' || delim === '\n' || delim === '\r') {
    throw new Error(`parseCsv: unusable delimiter ${JSON.stringify(delim)}`);
  }
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let unterminatedQuote = false;
  let i = 0;

  const endRecord = (): void => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0].trim() === '';
    if (!blank) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };

  while (i < src.length) {
    const c = src[i];
    if (inQuotes) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i += 1;
        continue;
      }
      if (c === '\r' || c === '\n') {
        // Keep the line break inside the field as \n, whatever the file used.
        field += '\n';
        i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
        line += 1;
        continue;
      }
      field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      // Opening quote (whitespace before it is dropped, as most writers never emit it).
      field = '';
      inQuotes = true;
      i += 1;
      continue;
    }
    if (c === delim) {
      fields.push(field);
      field = '';
      i += 1;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
      line += 1;
      recordLine = line;
      continue;
    }
    // A quote in the middle of an unquoted field is kept literally.
    field += c;
    i += 1;
  }
  if (inQuotes) unterminatedQuote = true;
  if (field !== '' || fields.length > 0) endRecord();
  return { records, delimiter: delim, unterminatedQuote };
}

/** Header names compared case-insensitively, with spaces and dashes read as underscores ("File A" = "file_a"). */
export function normaliseHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

export interface CsvTable {
  header: string[];
  rows: { line: number; values: Record<string, string> }[];
  /** Records whose field count differs from the header's (they are still read: missing fields are ''). */
  raggedLines: number[];
  unterminatedQuote: boolean;
}

/** Parse a CSV whose first record is a header into trimmed name → value maps. */
export function readCsvTable(text: string, delimiter?: string): CsvTable {
  const parsed = parseCsv(text, delimiter);
  const [head, ...body] = parsed.records;
  const header = head ? head.fields.map(normaliseHeader) : [];
  const raggedLines: number[] = [];
  const rows = body.map((r) => {
    if (r.fields.length !== header.length) raggedLines.push(r.line);
    const values: Record<string, string> = {};
    header.forEach((name, idx) => {
      if (name !== '' && !(name in values)) values[name] = (r.fields[idx] ?? '').trim();
    });
    return { line: r.line, values };
  });
  return { header, rows, raggedLines, unterminatedQuote: parsed.unterminatedQuote };
}
