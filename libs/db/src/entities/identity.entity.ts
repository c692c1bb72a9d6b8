import type { IdentityCategory } from '@storelens/contracts';
import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A known person the tenant enrolled: a loyalty member, a staff member, or a watchlist entry. */
@Entity('identities')
export class Identity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  tenantId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  category!: IdentityCategory;

  /** The tenant's own id for the person (CRM id, staff number); unique per tenant among live identities. */
  @Column({ type: 'text', nullable: true })
  externalRef!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  /**
   * Set when the identity is deleted: from then on it is no longer matched or listed, while its rows remain until
   * purged (which removes its faces and vectors).
   */
  @DeleteDateColumn({ type: 'timestamptz' })
  deletedAt!: Date | null;
}
