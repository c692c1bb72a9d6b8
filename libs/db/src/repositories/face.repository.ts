import type { Gender } from '@storelens/contracts';
import type { DataSource } from 'typeorm';
import { Face, FaceEmbedding, Frame, Media, type Point } from '../entities';
import { EntityReader, preparedQuery, preparedUpdate } from '../prepared';

/** One detector output for a frame, in frame pixels. */
export interface DetectedFace {
  box: { x: number; y: number; w: number; h: number };
  score: number;
  landmarks: Point[];
  cropKey: string | null;
}

export interface FaceAttributes {
  age: number | null;
  gender: Gender | null;
  genderConfidence: number | null;
  emotion: string | null;
  emotionScores: Record<string, number> | null;
  modelId: string;
}

/** Classification's verdict: an enrolled identity, or an anonymous visitor. */
export interface FaceDecision {
  identityId: string | null;
  similarity: number | null;
  visitorId: string | null;
  /** The face's nearest identities, best first, kept so its track can be named from all its faces. */
  matches?: { identityId: string; similarity: number }[];
}

/** Faces per INSERT of saveDetections: 11 parameters each, well under Postgres' 65,535 per statement. */
export const FACES_PER_INSERT = 2000;

const COLUMNS = [
  'tenant_id',
  'frame_id',
  'face_index',
  'box_x',
  'box_y',
  'box_w',
  'box_h',
  'score',
  'landmarks',
  'crop_key',
  'detector_model_id',
];

/** A face with the frame and media it came from, and its embedding when it has one: what a face's job reads first. */
export interface FaceContext {
  face: Face;
  frame: Frame;
  media: Media;
  embedding: FaceEmbedding | null;
}

export class FaceRepository {
  private readonly byId: EntityReader<Face>;
  private readonly byFrame: EntityReader<Face>;
  private readonly readers: {
    frame: EntityReader<Frame>;
    media: EntityReader<Media>;
    embedding: EntityReader<FaceEmbedding>;
  };
  private contextSql?: string;

  constructor(private readonly dataSource: DataSource) {
    this.byId = new EntityReader(dataSource, Face, ['tenantId', 'id']);
    this.byFrame = new EntityReader(dataSource, Face, ['tenantId', 'frameId'], ['faceIndex']);
    this.readers = {
      frame: new EntityReader(dataSource, Frame, ['tenantId', 'id']),
      media: new EntityReader(dataSource, Media, ['tenantId', 'id']),
      embedding: new EntityReader(dataSource, FaceEmbedding, ['tenantId', 'faceId']),
    };
  }

  /**
   * Stores a frame's detections, the i-th detection as face_index i. Running it again for the same frame updates
   * those rows in place (same ids, so embeddings and decisions stay attached) and removes faces beyond the new
   * count. Throws when the frame is not the tenant's.
   */
  async saveDetections(
    tenantId: string,
    frameId: string,
    detections: readonly DetectedFace[],
    detectorModelId: string,
  ): Promise<Face[]> {
    const insert = (from: number, params: unknown[]) => {
      const rows = detections.slice(from, from + FACES_PER_INSERT).map((d, j) => {
        const at = params.length;
        params.push(
          tenantId,
          frameId,
          from + j,
          d.box.x,
          d.box.y,
          d.box.w,
          d.box.h,
          d.score,
          JSON.stringify(d.landmarks),
          d.cropKey,
          detectorModelId,
        );
        return `(${COLUMNS.map((_, c) => `$${at + c + 1}`).join(', ')})`;
      });
      return {
        count: rows.length,
        sql: `INSERT INTO faces (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}
              ON CONFLICT (frame_id, face_index) DO UPDATE SET
                box_x = EXCLUDED.box_x, box_y = EXCLUDED.box_y, box_w = EXCLUDED.box_w, box_h = EXCLUDED.box_h,
                score = EXCLUDED.score, landmarks = EXCLUDED.landmarks, crop_key = EXCLUDED.crop_key,
                detector_model_id = EXCLUDED.detector_model_id
              WHERE faces.tenant_id = EXCLUDED.tenant_id
              RETURNING ${this.byId.selectList}`,
      };
    };
    const refused = () => new Error('face upsert refused: frame belongs to another tenant');
    const deleteBeyond = `DELETE FROM faces WHERE tenant_id = $1 AND frame_id = $2 AND face_index >= $3`;

    if (detections.length === 0) {
      await preparedQuery(this.dataSource, 'storelens_faces_delete_beyond', deleteBeyond, [tenantId, frameId, 0]);
      return [];
    }
    if (detections.length <= FACES_PER_INSERT) {
      // One statement, atomic on its own (the common case: a frame's few faces), which returns the stored faces: no
      // transaction around it and no read after it.
      const params: unknown[] = [];
      const { count, sql } = insert(0, params);
      params.push(count);
      const rows: Record<string, unknown>[] = await this.dataSource.query(
        `WITH saved AS (${sql}),
              beyond AS (DELETE FROM faces WHERE tenant_id = $1 AND frame_id = $2 AND face_index >= $${params.length})
         SELECT * FROM saved ORDER BY face_index`,
        params,
      );
      if (rows.length !== count) throw refused();
      return rows.map((row) => this.byId.fromRow(row));
    }
    const saved = await this.dataSource.transaction(async (m) => {
      // in statements of FACES_PER_INSERT rows: one statement binds at most 65,535 parameters (11 per face)
      const all: Face[] = [];
      for (let from = 0; from < detections.length; from += FACES_PER_INSERT) {
        const params: unknown[] = [];
        const { count, sql } = insert(from, params);
        const returned: Record<string, unknown>[] = await m.query(sql, params);
        if (returned.length !== count) throw refused();
        all.push(...returned.map((row) => this.byId.fromRow(row)));
      }
      await m.query(deleteBeyond, [tenantId, frameId, detections.length]);
      return all;
    });
    return saved.sort((a, b) => a.faceIndex - b.faceIndex);
  }

  async get(tenantId: string, faceId: string): Promise<Face | null> {
    return this.byId.one(tenantId, faceId);
  }

  /**
   * The face, its frame, its media and its embedding (null before it has one) in one statement: the embedding and
   * classification jobs read these four first, and four reads were four round trips per face.
   */
  async context(tenantId: string, faceId: string): Promise<FaceContext | null> {
    const { frame, media, embedding } = this.readers;
    this.contextSql ??= `SELECT ${this.byId.selectListAs('f', 'f_')}, ${frame.selectListAs('fr', 'fr_')},
              ${media.selectListAs('m', 'm_')}, ${embedding.selectListAs('e', 'e_')}
       FROM faces f
       JOIN frames fr ON fr.tenant_id = f.tenant_id AND fr.id = f.frame_id
       JOIN media m ON m.tenant_id = fr.tenant_id AND m.id = fr.media_id
       LEFT JOIN face_embeddings e ON e.tenant_id = f.tenant_id AND e.face_id = f.id
       WHERE f.tenant_id = $1 AND f.id = $2`;
    const {
      rows: [row],
    } = await preparedQuery(this.dataSource, 'storelens_face_context', this.contextSql, [tenantId, faceId]);
    if (!row) return null;
    return {
      face: this.byId.fromRow(row, 'f_'),
      frame: frame.fromRow(row, 'fr_'),
      media: media.fromRow(row, 'm_'),
      embedding: row['e_face_id'] === null ? null : embedding.fromRow(row, 'e_'),
    };
  }

  async listByFrame(tenantId: string, frameId: string): Promise<Face[]> {
    return this.byFrame.all(tenantId, frameId);
  }

  /** False when the tenant has no such face. */
  async setAttributes(tenantId: string, faceId: string, a: FaceAttributes): Promise<boolean> {
    return preparedUpdate(
      this.dataSource,
      'storelens_faces_set_attributes',
      `UPDATE faces SET age = $3, gender = $4, gender_confidence = $5, emotion = $6, emotion_scores = $7::jsonb,
              attribute_model_id = $8
        WHERE tenant_id = $1 AND id = $2`,
      [
        tenantId,
        faceId,
        a.age,
        a.gender,
        a.genderConfidence,
        a.emotion,
        a.emotionScores === null ? null : JSON.stringify(a.emotionScores),
        a.modelId,
      ],
    );
  }

  /** Records classification's verdict and when it was made. Throws (foreign key) for another tenant's identity. */
  async recordDecision(tenantId: string, faceId: string, d: FaceDecision): Promise<boolean> {
    // matches left out keeps the face's earlier ones
    return preparedUpdate(
      this.dataSource,
      'storelens_faces_record_decision',
      `UPDATE faces SET identity_id = $3, similarity = $4, visitor_id = $5, matches = COALESCE($6::jsonb, matches),
              decided_at = $7
        WHERE tenant_id = $1 AND id = $2`,
      [
        tenantId,
        faceId,
        d.identityId,
        d.similarity,
        d.visitorId,
        d.matches ? JSON.stringify(d.matches) : null,
        new Date(),
      ],
    );
  }
}
