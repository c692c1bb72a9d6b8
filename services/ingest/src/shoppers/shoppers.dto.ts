import { TextField } from '@storelens/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const TransactionSchema = z.strictObject({
  at: z.iso.datetime({ offset: true, error: 'at must be an ISO 8601 time, e.g. 2026-11-28T13:45:00Z' }),
  amount: z.coerce.number().min(0).max(1e12),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as EUR')
    .optional(),
  checkoutCameraId: z.uuid().optional(),
  externalRef: TextField.optional(),
});
export type TransactionInput = z.infer<typeof TransactionSchema>;
export class TransactionDto extends createZodDto(TransactionSchema) {}

export const TransactionsRecordedSchema = z.object({
  recorded: z.number().int().describe('sales stored by this call'),
  duplicates: z.number().int().describe('sales whose externalRef the store already had (left as they were)'),
  ids: z.array(z.uuid()),
});
export class TransactionsRecordedDto extends createZodDto(TransactionsRecordedSchema) {}
