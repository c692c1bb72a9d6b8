import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CameraRole, SafeText } from '@storelens/contracts';
import type { Camera, Store } from '@storelens/db';
import { z } from 'zod';

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const Name = SafeText({ max: 200 });

export const NewStoreBody = z.strictObject({
  name: Name,
  timezone: z.string().refine(isTimeZone, 'not an IANA time zone (e.g. Europe/Berlin)').optional(),
});

/** Cameras sample video at up to 30 frames per second; most analytics need 1-2. */
export const MAX_CAMERA_FPS = 30;
/** At least one frame every 10 s: slower would leave a short video without a single frame. */
export const MIN_CAMERA_FPS = 0.1;

export const NewCameraBody = z.strictObject({
  name: Name,
  role: CameraRole.default('other'),
  fps: z
    .number()
    .min(MIN_CAMERA_FPS, { error: `must be at least ${MIN_CAMERA_FPS} (one frame every 10 s)` })
    .max(MAX_CAMERA_FPS, { error: `must be at most ${MAX_CAMERA_FPS}` })
    .default(1),
  zone: SafeText({ max: 200 }).nullish(),
});

export class NewStoreDto {
  @ApiProperty({ type: String, example: 'Berlin Mitte', maxLength: 200 })
  name!: string;

  @ApiPropertyOptional({
    type: String,
    example: 'Europe/Berlin',
    default: 'UTC',
    description: 'IANA time zone of the store',
  })
  timezone?: string;
}

export class StoreDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, example: 'Berlin Mitte' })
  name!: string;

  @ApiProperty({ type: String, example: 'Europe/Berlin' })
  timezone!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  static of(s: Store): StoreDto {
    return { id: s.id, name: s.name, timezone: s.timezone, createdAt: s.createdAt.toISOString() };
  }
}

export class NewCameraDto {
  @ApiProperty({ type: String, example: 'entrance left', maxLength: 200 })
  name!: string;

  @ApiPropertyOptional({ type: String, enum: CameraRole.options, default: 'other' })
  role?: CameraRole;

  @ApiPropertyOptional({
    type: Number,
    example: 2,
    default: 1,
    minimum: MIN_CAMERA_FPS,
    maximum: MAX_CAMERA_FPS,
    description: 'frames per second sampled from this camera’s videos',
  })
  fps?: number;

  @ApiPropertyOptional({
    type: String,
    example: 'aisle 4',
    nullable: true,
    description: 'area of the store the camera watches',
  })
  zone?: string | null;
}

export class CameraDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'uuid' })
  storeId!: string;

  @ApiProperty({ type: String, example: 'entrance left' })
  name!: string;

  @ApiProperty({ type: String, enum: CameraRole.options })
  role!: CameraRole;

  @ApiProperty({ type: Number, example: 1 })
  fps!: number;

  @ApiProperty({ type: String, nullable: true, example: 'aisle 4' })
  zone!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  static of(c: Camera): CameraDto {
    return {
      id: c.id,
      storeId: c.storeId,
      name: c.name,
      role: c.role,
      fps: c.fps,
      zone: c.zone,
      createdAt: c.createdAt.toISOString(),
    };
  }
}
