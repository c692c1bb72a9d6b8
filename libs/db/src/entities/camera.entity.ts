import type { CameraRole } from '@storelens/contracts';
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

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
