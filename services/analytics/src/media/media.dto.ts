import { ApiProperty } from '@nestjs/swagger';
import { Gender, IdentityCategory, MediaKind, ProcessingStatus } from '@storelens/contracts';
import type { MediaPurpose } from '@storelens/db';

// The response shapes of the media endpoints. The classes are both the TypeScript types the services return and
// the OpenAPI schemas.

export class FaceIdentityDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, example: 'Barack Obama' })
  name!: string;

  @ApiProperty({ type: String, enum: IdentityCategory.options })
  category!: IdentityCategory;

  @ApiProperty({ type: Number, nullable: true, description: 'cosine similarity of the deciding match', example: 0.61 })
  similarity!: number | null;
}

export class FaceGenderDto {
  @ApiProperty({ type: String, enum: Gender.options })
  label!: Gender;

  @ApiProperty({ type: Number, nullable: true, example: 0.93 })
  confidence!: number | null;
}

export class FaceEmotionDto {
  @ApiProperty({ type: String, example: 'happy' })
  label!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'probability per label (7 labels)',
    example: { angry: 0, disgust: 0, fear: 0, happy: 0.87, sad: 0.01, surprise: 0, neutral: 0.12 },
  })
  scores!: Record<string, number>;
}

export class FaceDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({
    type: [Number],
    minItems: 4,
    maxItems: 4,
    description: '[x, y, width, height] in frame pixels',
    example: [234, 21, 150, 204],
  })
  box!: [number, number, number, number];

  @ApiProperty({ type: Number, description: 'detector confidence', example: 0.94 })
  score!: number;

  @ApiProperty({
    type: () => FaceIdentityDto,
    nullable: true,
    description: 'the enrolled person; null for an unknown face, one not yet classified, or a deleted identity',
  })
  identity!: FaceIdentityDto | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'anonymous visitor an unknown face was grouped under',
  })
  visitorId!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'estimated age in years; null until described' })
  age!: number | null;

  @ApiProperty({ type: () => FaceGenderDto, nullable: true })
  gender!: FaceGenderDto | null;

  @ApiProperty({ type: () => FaceEmotionDto, nullable: true })
  emotion!: FaceEmotionDto | null;
}

export class FrameDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: 'integer', description: 'position among the media’s sampled frames (0 for an image)' })
  index!: number;

  @ApiProperty({ type: 'integer', description: 'offset from the start of the media' })
  timeMs!: number;

  @ApiProperty({ type: String, format: 'date-time' })
  capturedAt!: Date;

  @ApiProperty({
    type: String,
    enum: ProcessingStatus.options,
    description: 'done once the frame’s faces are all described and decided',
  })
  status!: ProcessingStatus;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  @ApiProperty({ type: 'integer' })
  width!: number;

  @ApiProperty({ type: 'integer' })
  height!: number;

  @ApiProperty({
    type: String,
    format: 'uri',
    description: 'the frame with boxes and labels drawn, a signed link valid for one hour that needs no API key',
  })
  annotatedUrl!: string;

  @ApiProperty({ type: () => [FaceDto], description: 'ordered by position in the frame’s detections' })
  faces!: FaceDto[];
}

export class MediaSummaryDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, enum: MediaKind.options })
  kind!: MediaKind;

  @ApiProperty({ type: String, enum: ['analysis', 'enrolment'] })
  purpose!: MediaPurpose;

  @ApiProperty({
    type: String,
    enum: ProcessingStatus.options,
    description:
      'failed: a permanent failure (see error); queued: not picked up yet; done: every frame sampled and processed ' +
      'and every face described and decided; processing: in between',
  })
  status!: ProcessingStatus;

  @ApiProperty({ type: String, nullable: true, description: 'why processing failed' })
  error!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for an enrolment photo' })
  cameraId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'the identity an enrolment photo is for' })
  identityId!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  capturedAt!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: 'integer', nullable: true, description: 'frames sampled; null until sampling has finished' })
  frameCount!: number | null;
}

export class MediaDto extends MediaSummaryDto {
  @ApiProperty({ type: 'integer', description: 'frames stored for the media, over all pages' })
  framesTotal!: number;

  @ApiProperty({ type: 'integer', description: 'position of the first frame of this page' })
  framesOffset!: number;

  @ApiProperty({ type: 'integer', description: 'most frames in one page' })
  framesLimit!: number;

  @ApiProperty({ type: () => [FrameDto], description: 'one page of frames, ordered by index' })
  frames!: FrameDto[];
}
