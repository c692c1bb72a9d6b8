import type { CameraRole, StreamTransport } from '@storelens/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('cameras')
export class Camera {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  tenantId!: string;

  @Column({ type: 'uuid' })
  storeId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  role!: CameraRole;

  /** Frames per second the ingest service samples from this camera's video. */
  @Column({ type: 'real' })
  fps!: number;

  /** Free-form area label within the store, e.g. "aisle 4". */
  @Column({ type: 'text', nullable: true })
  zone!: string | null;

  /** The live stream URL sealed with SecretBox (credentials included); null for a camera that only uploads. */
  @Column({ type: 'text', nullable: true, select: false })
  streamUrlEnc!: string | null;

  /** The stream URL without user info, safe to show and log. */
  @Column({ type: 'text', nullable: true })
  streamUrlRedacted!: string | null;

  /** RTSP transport: tcp (interleaved), udp, or auto (each in turn until one opens). */
  @Column({ type: 'text', default: 'auto' })
  streamTransport!: StreamTransport;

  /** Whether ingest should keep the stream connected (POST /v1/cameras/:id/stop|start). */
  @Column({ type: 'boolean', default: false })
  liveEnabled!: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
