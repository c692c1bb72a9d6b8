import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A tenant's API credential. Only the key's SHA-256 is stored; the key itself is shown once, when issued. */
@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  tenantId!: string;

  /** What the key is for, e.g. "entrance camera bridge". */
  @Column({ type: 'text' })
  name!: string;

  /** The public part of the key, used to find the row without scanning every hash. */
  @Column({ type: 'text' })
  prefix!: string;

  /** Hex SHA-256 of the whole key. */
  @Column({ type: 'text' })
  keyHash!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
