import { CameraRole, StreamTransport } from '@storelens/contracts';
import { orNull, TextField } from '@storelens/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { CameraFps } from '../stores/stores.dto';

export const StreamUrlField = z
  .string()
  .max(2048)
  .describe('rtsp://, rtsps://, or http(s):// HLS (.m3u8) or MJPEG; user:password@ allowed, stored sealed');

export const CameraPatchSchema = z.strictObject({
  name: TextField.optional(),
  role: CameraRole.optional(),
  fps: CameraFps.optional(),
  zone: TextField.nullish(),
  streamUrl: StreamUrlField.nullable().optional().describe('null removes the stream'),
  streamTransport: StreamTransport.optional().describe('RTSP over tcp, udp, or auto (each in turn)'),
});
export class CameraPatchDto extends createZodDto(CameraPatchSchema) {}

export const LiveStatusSchema = z.object({
  state: z.enum(['connecting', 'live', 'reconnecting', 'offline', 'failed', 'stopped']),
  since: z.string().describe('ISO 8601: when the state began'),
  lastFrameAt: orNull(z.string(), 'when the last frame was read; null before the first'),
  fpsIn: z.number().describe('frames per second read from the stream (last 5 s)'),
  fpsProcessed: z.number().describe('frames per second through detection (last 5 s)'),
  framesDropped: z.number().int().describe('frames dropped at the source because detection was behind'),
  lagMs: z.number().int().describe('age of the oldest frame still waiting for detection'),
  error: orNull(z.string(), 'why the stream is not live (never contains credentials)'),
  transport: orNull(z.string(), 'the RTSP transport in use (tcp or udp); null when not connected'),
});
export class LiveStatusDto extends createZodDto(LiveStatusSchema) {}
