import { CameraRole, StreamTransport } from '@storelens/contracts';
import type { Camera, Store } from '@storelens/db';
import { ApiId, ApiTime, orNull, TextField } from '@storelens/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

// The bodies of the stores and cameras endpoints, each defined once: the zod schema validates the request and
// (through nestjs-zod) is the OpenAPI schema of the DTO class derived from it.

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Cameras sample video at up to 30 frames per second; most analytics need 1-2. */
export const MAX_CAMERA_FPS = 30;
/** At least one frame every 10 s: slower would leave a short video without a single frame. */
export const MIN_CAMERA_FPS = 0.1;
/** A camera's sampling rate, wherever it is set (creating a camera, PATCH /v1/cameras/:id). */
export const CameraFps = z
  .number()
  .min(MIN_CAMERA_FPS, { error: `must be at least ${MIN_CAMERA_FPS} (one frame every 10 s)` })
  .max(MAX_CAMERA_FPS, { error: `must be at most ${MAX_CAMERA_FPS}` });

export const NewStoreBody = z.strictObject({
  name: TextField.meta({ example: 'Berlin Mitte' }),
  timezone: z
    .string()
    .refine(isTimeZone, 'not an IANA time zone (e.g. Europe/Berlin)')
    .optional()
    .meta({ description: 'IANA time zone of the store; default UTC', example: 'Europe/Berlin' }),
});
export class NewStoreDto extends createZodDto(NewStoreBody) {}

export const NewCameraBody = z.strictObject({
  name: TextField.meta({ example: 'entrance left' }),
  role: CameraRole.default('other'),
  fps: CameraFps.default(1).meta({ description: 'frames per second sampled from this camera’s videos', example: 2 }),
  zone: TextField.nullish().meta({ description: 'area of the store the camera watches', example: 'aisle 4' }),
  streamUrl: z.string().max(2048).optional().meta({
    description: 'live stream: rtsp(s):// or http(s):// HLS (.m3u8) or MJPEG; stored sealed, never returned',
    example: 'rtsp://user:secret@10.0.0.12:554/stream1',
  }),
  streamTransport: StreamTransport.optional(),
});
export class NewCameraDto extends createZodDto(NewCameraBody) {}

export const StoreSchema = z.object({
  id: ApiId,
  name: z.string().meta({ example: 'Berlin Mitte' }),
  timezone: z.string().meta({ example: 'Europe/Berlin' }),
  createdAt: ApiTime,
});
export class StoreDto extends createZodDto(StoreSchema) {
  static of(s: Store): StoreDto {
    return { id: s.id, name: s.name, timezone: s.timezone, createdAt: s.createdAt };
  }
}

export const CameraSchema = z.object({
  id: ApiId,
  storeId: ApiId,
  name: z.string().meta({ example: 'entrance left' }),
  role: CameraRole,
  fps: z.number().meta({ example: 1 }),
  zone: orNull(z.string(), 'area of the store the camera watches', 'aisle 4'),
  streamUrl: orNull(z.string(), 'the live stream URL without its credentials', 'rtsp://10.0.0.12:554/stream1'),
  streamTransport: StreamTransport,
  liveEnabled: z.boolean().meta({ description: 'whether ingest keeps the stream connected' }),
  createdAt: ApiTime,
});
export class CameraDto extends createZodDto(CameraSchema) {
  static of(c: Camera): CameraDto {
    return {
      id: c.id,
      storeId: c.storeId,
      name: c.name,
      role: c.role,
      fps: c.fps,
      zone: c.zone,
      streamUrl: c.streamUrlRedacted,
      streamTransport: c.streamTransport,
      liveEnabled: c.liveEnabled,
      createdAt: c.createdAt,
    };
  }
}
