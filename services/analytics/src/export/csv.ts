import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Request, Response } from 'express';

/**
 * Whether a request asks for CSV: `?format=csv`, or an Accept header that prefers text/csv over JSON. An explicit
 * `?format=json` wins over the header.
 */
export function wantsCsv(req: Request, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

export interface CsvTable<T> {
  /** the download's file name, without the extension */
  filename: string;
  /** column names, in order; each row is read by these keys */
  columns: readonly string[];
  rows: Iterable<T> | AsyncIterable<T>;
}

/**
 * Streams rows as CSV (RFC 4180, a header line, UTF-8): rows are pulled one at a time as the client reads, so a
 * large export never sits whole in memory. Dates are ISO 8601 in UTC, nulls are empty cells.
 */
export async function sendCsv<T extends object>(res: Response, table: CsvTable<T>): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${table.filename}.csv"`);
  const csv = stringify({
    header: true,
    columns: [...table.columns],
    cast: { date: (d) => d.toISOString(), boolean: (b) => (b ? 'true' : 'false') },
  });
  await pipeline(Readable.from(table.rows as AsyncIterable<T>), csv, res);
}
