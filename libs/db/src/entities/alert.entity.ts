import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A watchlisted identity seen by a camera: one row per face, so a replayed job alerts once. */
@Entity('alerts')
export class Alert {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  tenantId!: string;

  @Column({ type: 'uuid' })
  faceId!: string;

  @Column({ type: 'uuid' })
  identityId!: string;

  @Column({ type: 'uuid', nullable: true })
  cameraId!: string | null;

  @Column({ type: 'real' })
  similarity!: number;

  @Column({ type: 'timestamptz' })
  seenAt!: Date;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
