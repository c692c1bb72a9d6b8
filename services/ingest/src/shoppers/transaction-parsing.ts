import { z } from 'zod';
import { TransactionSchema, type TransactionInput } from './shoppers.dto';

/** Sales sent at once in one request. */
export const MAX_TRANSACTIONS = 10_000;

export class TransactionParseError extends Error {
  override readonly name = 'TransactionParseError';
}

const CSV_COLUMNS = ['at', 'amount', 'currency', 'checkoutCameraId', 'externalRef'] as const;

/** Splits one CSV line (RFC 4180 quoting). */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells.map((x) => x.trim());
}

function validated(items: unknown[], where: (i: number) => string): TransactionInput[] {
  if (items.length === 0) throw new TransactionParseError('no sales in the request');
  if (items.length > MAX_TRANSACTIONS) {
    throw new TransactionParseError(`at most ${MAX_TRANSACTIONS} sales per request, got ${items.length}`);
  }
  return items.map((item, i) => {
    const parsed = TransactionSchema.safeParse(item);
    if (!parsed.success) {
      throw new TransactionParseError(
        `${where(i)}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'sale'}: ${x.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  });
}

/**
 * The sales of a request body: one JSON object or an array (application/json), one JSON object per line
 * (application/x-ndjson), or CSV with a header naming at least `at` and `amount` (text/csv).
 */
export function parseTransactions(contentType: string, body: unknown): TransactionInput[] {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    return Array.isArray(body) ? validated(body, (i) => `sale ${i}`) : validated([body], () => 'sale');
  }
  if (typeof body !== 'string') throw new TransactionParseError('the body is empty');
  const lines = body.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (type === 'application/x-ndjson' || type === 'application/jsonl') {
    const items = lines.map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new TransactionParseError(`line ${i + 1}: not JSON`);
      }
    });
    return validated(items, (i) => `line ${i + 1}`);
  }
  if (type === 'text/csv') {
    const [header, ...rows] = lines;
    if (!header) throw new TransactionParseError('the CSV has no header');
    const names = csvCells(header);
    const unknown = names.filter((n) => !(CSV_COLUMNS as readonly string[]).includes(n));
    if (unknown.length) throw new TransactionParseError(`unknown CSV columns: ${unknown.join(', ')}`);
    const items = rows.map((row) => {
      const cells = csvCells(row);
      return Object.fromEntries(names.flatMap((n, c) => (cells[c] ? [[n, cells[c]]] : [])));
    });
    return validated(items, (i) => `CSV row ${i + 2}`);
  }
  throw new TransactionParseError(`unsupported content type ${type || '(none)'}: send JSON, NDJSON or CSV`);
}

export const supportedTransactionTypes = z.enum(['application/json', 'application/x-ndjson', 'text/csv']);
