import { CameraRole } from '@storelens/contracts';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** Cameras sample video at up to 30 frames per second (as when created). */
const MAX_CAMERA_FPS = 30;

export const CameraPatchSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    role: CameraRole.optional().describe('the kind of place the camera watches'),
    zone: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .nullable()
      .optional()
      .describe('cameras of a store with the same zone form one zone; null makes the camera a zone of its own'),
    fps: z.number().gt(0).max(MAX_CAMERA_FPS).optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'nothing to change: send role, zone, name or fps');
export class CameraPatchDto extends createZodDto(CameraPatchSchema) {}

export const TransactionSchema = z.strictObject({
  at: z.iso.datetime({ offset: true, error: 'at must be an ISO 8601 time, e.g. 2026-11-28T13:45:00Z' }),
  amount: z.coerce.number().min(0).max(1e12),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as EUR')
    .optional(),
  checkoutCameraId: z.uuid().optional(),
  externalRef: z.string().trim().min(1).max(200).optional(),
});
export type TransactionInput = z.infer<typeof TransactionSchema>;
export class TransactionDto extends createZodDto(TransactionSchema) {}

export const TransactionsRecordedSchema = z.object({
  recorded: z.number().int().describe('sales stored by this call'),
  duplicates: z.number().int().describe('sales whose externalRef the store already had (left as they were)'),
  ids: z.array(z.uuid()),
});
export class TransactionsRecordedDto extends createZodDto(TransactionsRecordedSchema) {}
