import type { IdentityCategory } from '@storelens/contracts';
import type { DataSource, Repository } from 'typeorm';
import { Identity, IdentityFace } from '../entities';
import { EntityReader } from '../prepared';

export interface NewIdentity {
  name: string;
  category: IdentityCategory;
  externalRef?: string | null;
}

/**
 * Enrolled people. Deleting is two steps: `softDelete` hides the identity at once (no longer listed or matched),
 * `purge` removes it with every face attributed to it and their vectors.
 */
/** A frame a purged identity's faces were in, as much as its object keys need (see @storelens/storage keys). */
export interface PurgedFrame {
  mediaId: string;
  frameIndex: number;
  capturedAt: Date;
  cameraId: string | null;
  storeId: string | null;
}

export class IdentityRepository {
  private readonly identities: Repository<Identity>;
  private readonly identityFaces: Repository<IdentityFace>;
  private readonly byId: EntityReader<Identity>;

  constructor(private readonly dataSource: DataSource) {
    this.identities = dataSource.getRepository(Identity);
    this.identityFaces = dataSource.getRepository(IdentityFace);
    this.byId = new EntityReader(dataSource, Identity, ['tenantId', 'id']);
  }

  /** Throws (unique index) when a live identity of the tenant already has the external reference. */
  async create(tenantId: string, input: NewIdentity): Promise<Identity> {
    return this.identities.save(
      this.identities.create({
        tenantId,
        name: input.name,
        category: input.category,
        externalRef: input.externalRef ?? null,
      }),
    );
  }

  /** A live (not deleted) identity. */
  async get(tenantId: string, identityId: string): Promise<Identity | null> {
    return this.byId.one(tenantId, identityId);
  }

  async findByExternalRef(tenantId: string, externalRef: string): Promise<Identity | null> {
    return this.identities.findOneBy({ tenantId, externalRef });
  }

  async list(tenantId: string, { category }: { category?: IdentityCategory } = {}): Promise<Identity[]> {
    return this.identities.find({ where: category ? { tenantId, category } : { tenantId }, order: { name: 'ASC' } });
  }

  /** Hides the identity from lookups and matching; false when the tenant has no such live identity. */
  async softDelete(tenantId: string, identityId: string): Promise<boolean> {
    const result = await this.identities.softDelete({ tenantId, id: identityId });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Removes the identity (live or soft-deleted) and, by cascade, its enrolment links, every face attributed to it
   * and their embeddings. Returns the crop keys of the removed faces so the caller can delete the objects, or null
   * when the tenant has no such identity.
   */
  async purge(tenantId: string, identityId: string): Promise<{ cropKeys: string[]; frames: PurgedFrame[] } | null> {
    return this.dataSource.transaction(async (m) => {
      const crops: { crop_key: string }[] = await m.query(
        `SELECT crop_key FROM faces WHERE tenant_id = $1 AND identity_id = $2 AND crop_key IS NOT NULL`,
        [tenantId, identityId],
      );
      // the frames the person was seen in: their cached annotated renderings show the name and must go too
      const frames: PurgedFrame[] = await m.query(
        `SELECT DISTINCT fr.media_id AS "mediaId", fr."index" AS "frameIndex", fr.captured_at AS "capturedAt",
                m.camera_id AS "cameraId", c.store_id AS "storeId"
         FROM faces f
         JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
         JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id
         LEFT JOIN cameras c ON c.tenant_id = m.tenant_id AND c.id = m.camera_id
         WHERE f.tenant_id = $1 AND f.identity_id = $2`,
        [tenantId, identityId],
      );
      const deleted = await m.getRepository(Identity).delete({ tenantId, id: identityId });
      return (deleted.affected ?? 0) > 0 ? { cropKeys: crops.map((c) => c.crop_key), frames } : null;
    });
  }

  /**
   * Makes a face a reference image of the identity, and attributes the face to it (so purging the identity removes
   * the face). Idempotent; enrolling a face again under another identity moves it. Throws (foreign key) when the
   * face or the identity is not the tenant's.
   */
  async enrolFace(tenantId: string, identityId: string, faceId: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const linked: unknown[] = await m.query(
        `INSERT INTO identity_faces (face_id, identity_id, tenant_id) VALUES ($1, $2, $3)
         ON CONFLICT (face_id) DO UPDATE SET identity_id = EXCLUDED.identity_id
         WHERE identity_faces.tenant_id = EXCLUDED.tenant_id
         RETURNING face_id`,
        [faceId, identityId, tenantId],
      );
      if (linked.length === 0) throw new Error('enrolment refused: face belongs to another tenant');
      await m.query(
        `UPDATE faces SET identity_id = $2, similarity = NULL, visitor_id = NULL, decided_at = now()
         WHERE tenant_id = $3 AND id = $1`,
        [faceId, identityId, tenantId],
      );
    });
  }

  async listEnrolledFaceIds(tenantId: string, identityId: string): Promise<string[]> {
    const links = await this.identityFaces.find({ where: { tenantId, identityId }, order: { createdAt: 'ASC' } });
    return links.map((l) => l.faceId);
  }
}
