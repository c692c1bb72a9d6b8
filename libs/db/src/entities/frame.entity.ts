import type { ProcessingStatus } from '@storelens/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One image sampled from a media item (an image has one frame, index 0). */
@Entity('frames')
export class Frame {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  tenantId!: string;

  @Column({ type: 'uuid' })
  mediaId!: string;

  /** Position among the media's sampled frames; (mediaId, index) is unique so a replayed ingest adds nothing. */
  @Column({ type: 'integer' })
  index!: number;

  /** Offset from the start of the media. */
  @Column({ type: 'integer' })
  timeMs!: number;

  @Column({ type: 'timestamptz' })
  capturedAt!: Date;

  @Column({ type: 'text' })
  objectKey!: string;

  @Column({ type: 'integer' })
  width!: number;

  @Column({ type: 'integer' })
  height!: number;

  @Column({ type: 'text' })
  status!: ProcessingStatus;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
