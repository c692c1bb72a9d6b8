import type { MediaKind, ProcessingStatus } from '@storelens/contracts';
import type { DataSource, Repository } from 'typeorm';
import { Media, type MediaPurpose } from '../entities';
import { EntityReader, preparedQuery, preparedUpdate } from '../prepared';

export interface NewMedia {
  /** Lets the caller build the object key (which contains the id) before the row exists. */
  id?: string;
  cameraId: string | null;
  kind: MediaKind;
  objectKey: string;
  sha256: string;
  bytes: number;
  mime: string;
  capturedAt: Date;
  durationMs?: number | null;
  expiresAt?: Date | null;
  /** An enrolment photo names the identity it enrols; camera media leaves both out. */
  purpose?: MediaPurpose;
  identityId?: string | null;
}

export class MediaRepository {
  private readonly media: Repository<Media>;
  private readonly byId: EntityReader<Media>;

  constructor(private readonly dataSource: DataSource) {
    this.media = dataSource.getRepository(Media);
    this.byId = new EntityReader(dataSource, Media, ['tenantId', 'id']);
  }

  /** Creates the media row in status `queued`. Fails (foreign key) when the camera is not the tenant's. */
  async create(tenantId: string, input: NewMedia): Promise<Media> {
    // one statement (TypeORM's save is a transaction of three, and builds its INSERT anew each time)
    const { rows } = await preparedQuery(
      this.dataSource,
      'storelens_media_create',
      `INSERT INTO media (id, tenant_id, camera_id, kind, status, object_key, sha256, bytes, mime, purpose, identity_id,
                          captured_at, duration_ms, expires_at)
       VALUES (COALESCE($1::uuid, gen_random_uuid()), $2, $3, $4, 'queued', $5, $6, $7, $8, $9, $10, $11, $12, $13)
       RETURNING ${this.byId.selectList}`,
      [
        input.id ?? null,
        tenantId,
        input.cameraId,
        input.kind,
        input.objectKey,
        input.sha256,
        input.bytes,
        input.mime,
        input.purpose ?? 'analysis',
        input.identityId ?? null,
        input.capturedAt,
        input.durationMs ?? null,
        input.expiresAt ?? null,
      ],
    );
    return this.byId.fromRow(rows[0]!);
  }

  async get(tenantId: string, mediaId: string): Promise<Media | null> {
    return this.byId.one(tenantId, mediaId);
  }

  /** The earliest upload of the same bytes, to answer a repeated upload with the existing media. */
  async findBySha256(tenantId: string, sha256: string): Promise<Media | null> {
    return this.media.findOne({ where: { tenantId, sha256 }, order: { createdAt: 'ASC' } });
  }

  /** Newest first. */
  async list(tenantId: string, { cameraId, limit = 50 }: { cameraId?: string; limit?: number } = {}): Promise<Media[]> {
    return this.media.find({
      where: cameraId ? { tenantId, cameraId } : { tenantId },
      order: { createdAt: 'DESC' },
      take: limit,
    });
  }

  /** The photos uploaded to enrol an identity, oldest first (e.g. to remove their objects when it is deleted). */
  async listForIdentity(tenantId: string, identityId: string): Promise<Media[]> {
    return this.media.find({ where: { tenantId, identityId }, order: { createdAt: 'ASC' } });
  }

  /** Records a status (and the reason, for `failed`); false when the tenant has no such media. */
  async setStatus(
    tenantId: string,
    mediaId: string,
    status: ProcessingStatus,
    error: string | null = null,
  ): Promise<boolean> {
    return preparedUpdate(
      this.dataSource,
      'storelens_media_set_status',
      'UPDATE media SET status = $3, error = $4, updated_at = CURRENT_TIMESTAMP WHERE tenant_id = $1 AND id = $2',
      [tenantId, mediaId, status, error],
    );
  }

  /** Deletes a media row that nothing was derived from yet (an upload taken back); false when there was none. */
  async remove(tenantId: string, mediaId: string): Promise<boolean> {
    const result = await this.media.delete({ tenantId, id: mediaId });
    return (result.affected ?? 0) > 0;
  }

  /** Records that sampling has finished with this many frames (idempotent: a replay writes the same number). */
  async setFrameCount(
    tenantId: string,
    mediaId: string,
    frameCount: number,
    durationMs?: number | null,
  ): Promise<boolean> {
    return preparedUpdate(
      this.dataSource,
      'storelens_media_set_frame_count',
      `UPDATE media SET frame_count = $3, duration_ms = CASE WHEN $5 THEN $4 ELSE duration_ms END,
              updated_at = CURRENT_TIMESTAMP
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, mediaId, frameCount, durationMs ?? null, durationMs !== undefined],
    );
  }
}
