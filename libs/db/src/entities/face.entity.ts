import type { Gender } from '@storelens/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A point in frame pixels. */
export type Point = [x: number, y: number];

/**
 * One detected face in a frame, filled in stage by stage: detection (box, landmarks, crop), attributes (age,
 * gender, emotion) and classification (identity or anonymous visitor). Each stage records the model it used.
 */
@Entity('faces')
export class Face {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  tenantId!: string;

  @Column({ type: 'uuid' })
  frameId!: string;

  /** Position among the frame's detections; (frameId, faceIndex) is unique so a replayed detection adds nothing. */
  @Column({ type: 'integer' })
  faceIndex!: number;

  // Bounding box in frame pixels.
  @Column({ type: 'real' })
  boxX!: number;

  @Column({ type: 'real' })
  boxY!: number;

  @Column({ type: 'real' })
  boxW!: number;

  @Column({ type: 'real' })
  boxH!: number;

  /** Detector confidence. */
  @Column({ type: 'real' })
  score!: number;

  /** The detector's landmarks (eyes, nose, mouth corners) used for alignment. */
  @Column({ type: 'jsonb' })
  landmarks!: Point[];

  @Column({ type: 'text', nullable: true })
  cropKey!: string | null;

  @Column({ type: 'text' })
  detectorModelId!: string;

  @Column({ type: 'real', nullable: true })
  age!: number | null;

  @Column({ type: 'text', nullable: true })
  gender!: Gender | null;

  @Column({ type: 'real', nullable: true })
  genderConfidence!: number | null;

  /** The most likely emotion; labels depend on the attribute model, so they are not an enum. */
  @Column({ type: 'text', nullable: true })
  emotion!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  emotionScores!: Record<string, number> | null;

  @Column({ type: 'text', nullable: true })
  attributeModelId!: string | null;

  /** The identity this face was attributed to (by classification, or by enrolment); null when unknown. */
  @Column({ type: 'uuid', nullable: true })
  identityId!: string | null;

  /** Cosine similarity of the deciding match. */
  @Column({ type: 'real', nullable: true })
  similarity!: number | null;

  /** Anonymous visitor the face was grouped under when no identity matched. */
  @Column({ type: 'uuid', nullable: true })
  visitorId!: string | null;

  /** The face's nearest enrolled identities at classification, best first: what its track is named from. */
  @Column({ type: 'jsonb', nullable: true })
  matches!: { identityId: string; similarity: number }[] | null;

  /** The track (one person in consecutive frames of the camera) the face belongs to; null until tracked. */
  @Column({ type: 'uuid', nullable: true })
  trackId!: string | null;

  /** Its frame's recording time, kept equal to it by Postgres (a trigger): a track's faces are indexed by it. */
  @Column({ type: 'timestamptz', insert: false, update: false })
  capturedAt!: Date;

  /** When classification decided; null while undecided. */
  @Column({ type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
