import type { ProcessingStatus } from '@storelens/contracts';
import type { DataSource, Repository } from 'typeorm';
import { Camera, Frame, Media } from '../entities';
import { EntityReader, preparedQuery, preparedUpdate } from '../prepared';

export interface SampledFrame {
  mediaId: string;
  index: number;
  timeMs: number;
  capturedAt: Date;
  objectKey: string;
  width: number;
  height: number;
}

const COLUMNS = ['tenant_id', 'media_id', '"index"', 'time_ms', 'captured_at', 'object_key', 'width', 'height'];
/** Rows per INSERT: far below Postgres' 65535 bind parameters, large enough for a long video in a few statements. */
const CHUNK = 1000;

/** A frame with its media, and the media's camera (null for an enrolment photo, which has none). */
export interface FrameContext {
  frame: Frame;
  media: Media;
  camera: Camera | null;
}

export class FrameRepository {
  private readonly frames: Repository<Frame>;
  private readonly byId: EntityReader<Frame>;
  private readonly readers: { media: EntityReader<Media>; camera: EntityReader<Camera> };
  private contextSql?: string;

  constructor(private readonly dataSource: DataSource) {
    this.frames = dataSource.getRepository(Frame);
    this.byId = new EntityReader(dataSource, Frame, ['tenantId', 'id']);
    this.readers = {
      media: new EntityReader(dataSource, Media, ['tenantId', 'id']),
      camera: new EntityReader(dataSource, Camera, ['tenantId', 'id']),
    };
  }

  /** Idempotent by (mediaId, index): see upsertMany. */
  async upsert(tenantId: string, frame: SampledFrame): Promise<Frame> {
    const [saved] = await this.upsertMany(tenantId, [frame]);
    if (!saved) throw new Error('frame upsert returned nothing');
    return saved;
  }

  /**
   * Inserts sampled frames, or updates the ones a previous run of the same ingest job already inserted, so a replay
   * leaves one row per (mediaId, index) with the same id. A frame's processing status is left as it was.
   * Throws when a media item is not the tenant's.
   */
  async upsertMany(tenantId: string, frames: readonly SampledFrame[]): Promise<Frame[]> {
    if (frames.length === 0) return [];
    const upsert = async (
      q: { query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> },
      from: number,
    ) => {
      const chunk = frames.slice(from, from + CHUNK);
      const params: unknown[] = [];
      const rows = chunk.map((f) => {
        const at = params.length;
        params.push(tenantId, f.mediaId, f.index, f.timeMs, f.capturedAt, f.objectKey, f.width, f.height);
        return `(${COLUMNS.map((_, i) => `$${at + i + 1}`).join(', ')})`;
      });
      const returned = await q.query(
        `INSERT INTO frames (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}
         ON CONFLICT (media_id, "index") DO UPDATE SET
           time_ms = EXCLUDED.time_ms, captured_at = EXCLUDED.captured_at, object_key = EXCLUDED.object_key,
           width = EXCLUDED.width, height = EXCLUDED.height
         WHERE frames.tenant_id = EXCLUDED.tenant_id
         RETURNING ${this.byId.selectList}`,
        params,
      );
      // A conflicting row of another tenant is left alone and returns nothing.
      if (returned.length !== chunk.length) throw new Error('frame upsert refused: media belongs to another tenant');
      return returned.map((row) => this.byId.fromRow(row));
    };
    // One chunk (an image's frame, a batch of a video's) is one statement, atomic on its own, that returns the rows.
    const saved =
      frames.length <= CHUNK
        ? await upsert(this.dataSource, 0)
        : await this.dataSource.transaction(async (m) => {
            const all: Frame[] = [];
            for (let from = 0; from < frames.length; from += CHUNK) all.push(...(await upsert(m, from)));
            return all;
          });
    return saved.sort((a, b) => (a.mediaId === b.mediaId ? a.index - b.index : a.mediaId < b.mediaId ? -1 : 1));
  }

  async get(tenantId: string, frameId: string): Promise<Frame | null> {
    return this.byId.one(tenantId, frameId);
  }

  /**
   * The frame, its media and the media's camera in one statement (what detection reads first): three reads were
   * three round trips per frame. `camera` is null when the media has none, and when its camera was deleted.
   */
  async context(tenantId: string, frameId: string): Promise<FrameContext | null> {
    const { media, camera } = this.readers;
    this.contextSql ??= `SELECT ${this.byId.selectListAs('fr', 'fr_')}, ${media.selectListAs('m', 'm_')},
              ${camera.selectListAs('c', 'c_')}
       FROM frames fr
       JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id
       LEFT JOIN cameras c ON c.tenant_id = m.tenant_id AND c.id = m.camera_id
       WHERE fr.tenant_id = $1 AND fr.id = $2`;
    const {
      rows: [row],
    } = await preparedQuery(this.dataSource, 'storelens_frame_context', this.contextSql, [tenantId, frameId]);
    if (!row) return null;
    return {
      frame: this.byId.fromRow(row, 'fr_'),
      media: media.fromRow(row, 'm_'),
      camera: row['c_id'] === null ? null : camera.fromRow(row, 'c_'),
    };
  }

  async listByMedia(tenantId: string, mediaId: string): Promise<Frame[]> {
    return this.frames.find({ where: { tenantId, mediaId }, order: { index: 'ASC' } });
  }

  async setStatus(
    tenantId: string,
    frameId: string,
    status: ProcessingStatus,
    error: string | null = null,
  ): Promise<boolean> {
    return preparedUpdate(
      this.dataSource,
      'storelens_frames_set_status',
      'UPDATE frames SET status = $3, error = $4 WHERE tenant_id = $1 AND id = $2',
      [tenantId, frameId, status, error],
    );
  }
}
