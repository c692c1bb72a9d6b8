import { Gender, IdentityCategory, MediaKind, ProcessingStatus } from '@storelens/contracts';
import { ApiId, ApiTime, orNull } from '@storelens/platform';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

// The response bodies of the media endpoints, each defined once as a zod schema: the TypeScript types the service
// returns and (through nestjs-zod) the OpenAPI schemas. Nested objects carry an id, so the document and the
// generated client name them.

const FaceIdentitySchema = z
  .object({
    id: ApiId,
    name: z.string().meta({ example: 'Barack Obama' }),
    category: IdentityCategory,
    similarity: orNull(z.number(), 'cosine similarity of the deciding match', 0.61),
  })
  .meta({ id: 'FaceIdentityDto' });

const FaceGenderSchema = z
  .object({ label: Gender, confidence: orNull(z.number(), 'probability of the label', 0.93) })
  .meta({ id: 'FaceGenderDto' });

const FaceEmotionSchema = z
  .object({
    label: z.string().meta({ example: 'happy' }),
    scores: z.record(z.string(), z.number()).meta({
      description: 'probability per label (7 labels)',
      example: { angry: 0, disgust: 0, fear: 0, happy: 0.87, sad: 0.01, surprise: 0, neutral: 0.12 },
    }),
  })
  .meta({ id: 'FaceEmotionDto' });

export const FaceSchema = z
  .object({
    id: ApiId,
    // an array of four rather than a tuple: openapi-fetch's response types turn tuples into arrays anyway
    box: z
      .array(z.number())
      .length(4)
      .meta({
        description: '[x, y, width, height] in frame pixels',
        example: [234, 21, 150, 204],
      }),
    score: z.number().meta({ description: 'detector confidence', example: 0.94 }),
    identity: FaceIdentitySchema.nullable().meta({
      description: 'the enrolled person; null for an unknown face, one not yet classified, or a deleted identity',
    }),
    visitorId: orNull(ApiId, 'anonymous visitor an unknown face was grouped under'),
    trackId: orNull(ApiId, 'the track: this person in consecutive frames of the camera; null until tracked'),
    age: orNull(z.number(), 'estimated age in years; null until described'),
    gender: FaceGenderSchema.nullable(),
    emotion: FaceEmotionSchema.nullable(),
  })
  .meta({ id: 'FaceDto' });
export type FaceDto = z.output<typeof FaceSchema>;

export const FrameSchema = z
  .object({
    id: ApiId,
    index: z.number().int().meta({ description: 'position among the media’s sampled frames (0 for an image)' }),
    timeMs: z.number().int().meta({ description: 'offset from the start of the media' }),
    capturedAt: ApiTime,
    status: ProcessingStatus.meta({ description: 'done once the frame’s faces are all described and decided' }),
    error: orNull(z.string(), 'why the frame failed'),
    width: z.number().int(),
    height: z.number().int(),
    annotatedUrl: z.string().meta({
      format: 'uri',
      description: 'the frame with boxes and labels drawn, a signed link valid for one hour that needs no API key',
    }),
    faces: z.array(FaceSchema).meta({ description: 'ordered by position in the frame’s detections' }),
  })
  .meta({ id: 'FrameDto' });
export type FrameDto = z.output<typeof FrameSchema>;

export const MediaSummarySchema = z.object({
  id: ApiId,
  kind: MediaKind,
  purpose: z.enum(['analysis', 'enrolment']),
  status: ProcessingStatus.meta({
    description:
      'failed: a permanent failure (see error); queued: not picked up yet; done: every frame sampled and processed ' +
      'and every face described and decided; processing: in between',
  }),
  error: orNull(z.string(), 'why processing failed'),
  cameraId: orNull(ApiId, 'null for an enrolment photo'),
  identityId: orNull(ApiId, 'the identity an enrolment photo is for'),
  capturedAt: ApiTime,
  createdAt: ApiTime,
  frameCount: orNull(z.number().int(), 'frames sampled; null until sampling has finished'),
});
export class MediaSummaryDto extends createZodDto(MediaSummarySchema) {}

export const MediaSchema = MediaSummarySchema.extend({
  framesTotal: z.number().int().meta({ description: 'frames stored for the media, over all pages' }),
  framesOffset: z.number().int().meta({ description: 'position of the first frame of this page' }),
  framesLimit: z.number().int().meta({ description: 'most frames in one page' }),
  frames: z
    .array(FrameSchema)
    .meta({ description: 'one page of frames (framesOffset, framesLimit), ordered by index' }),
});
export class MediaDto extends createZodDto(MediaSchema) {}
