import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Dimensions of the recognition embedding (MobileFaceNet); the column type fixes it. */
export const EMBEDDING_DIMENSIONS = 128;

/** A face's recognition vector (pgvector), searched by cosine distance through its tenant's HNSW index. */
@Entity('face_embeddings')
export class FaceEmbedding {
  @PrimaryColumn({ type: 'uuid' })
  faceId!: string;

  /** part of the key: the table is partitioned by tenant, one HNSW graph per tenant */
  @PrimaryColumn({ type: 'uuid' })
  tenantId!: string;

  @Column({ type: 'vector', length: EMBEDDING_DIMENSIONS })
  embedding!: number[];

  /** The model that computed the vector: vectors of different models must never be compared. */
  @Column({ type: 'text' })
  modelId!: string;

  /**
   * The live identity the face is a reference (gallery) image of, else null. Kept by triggers from identity_faces
   * and identities (never written by the application); the gallery search walks the partial HNSW index of these rows.
   */
  @Column({ type: 'uuid', nullable: true, insert: false, update: false })
  galleryIdentityId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
