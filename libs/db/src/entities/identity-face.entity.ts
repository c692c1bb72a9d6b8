import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A face enrolled as a reference (gallery) image of an identity; a face belongs to at most one identity. */
@Entity('identity_faces')
export class IdentityFace {
  @PrimaryColumn({ type: 'uuid' })
  faceId!: string;

  @Column({ type: 'uuid' })
  identityId!: string;

  @Column({ type: 'uuid' })
  tenantId!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
