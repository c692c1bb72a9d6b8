import type { MediaKind, ProcessingStatus } from '@storelens/contracts';

export type MediaPurpose = 'analysis' | 'enrolment';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** bigint comes back from pg as a string; byte counts stay far below 2^53. */
const bigintAsNumber = { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

/** An uploaded image or video, the root of everything the pipeline derives from it. */
@Entity('media')
export class Media {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  tenantId!: string;

  /** The camera that recorded it; null for uploads that did not come from a camera (enrolment photos). */
  @Column({ type: 'uuid', nullable: true })
  cameraId!: string | null;

  @Column({ type: 'text' })
  kind!: MediaKind;

  @Column({ type: 'text' })
  status!: ProcessingStatus;

  /** Why processing failed, when status is `failed`. */
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'text' })
  objectKey!: string;

  /** Hex SHA-256 of the uploaded bytes, to recognise a repeated upload. */
  @Column({ type: 'text' })
  sha256!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  bytes!: number;

  @Column({ type: 'text' })
  mime!: string;

  /** `enrolment`: a photo of an identity, whose one face joins the gallery instead of being identified. */
  @Column({ type: 'text', default: 'analysis' })
  purpose!: MediaPurpose;

  /** The identity an enrolment photo is for; null for camera media. */
  @Column({ type: 'uuid', nullable: true })
  identityId!: string | null;

  /** How many frames were sampled; null until sampling has finished. */
  @Column({ type: 'integer', nullable: true })
  frameCount!: number | null;

  /** When the media was recorded (a video's start). */
  @Column({ type: 'timestamptz' })
  capturedAt!: Date;

  /** For a live camera's media: the start of the time segment its frames belong to. */
  @Column({ type: 'timestamptz', nullable: true })
  liveSegmentStart!: Date | null;

  @Column({ type: 'integer', nullable: true })
  durationMs!: number | null;

  /** When retention removes the media and everything derived from it; null keeps it. */
  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
