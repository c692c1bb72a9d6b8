import { ApiKey, Camera, Face, FaceEmbedding, Frame, Identity, Media } from './entities';
import { EntityReader, preparedQuery } from './prepared';
import {
  detection,
  migratedTestDatabase,
  randomUUID,
  randomVector,
  repositories,
  seedTenant,
  type MigratedDatabase,
  type Repositories,
} from './test-support';

let t: MigratedDatabase;
let r: Repositories;
beforeAll(async () => {
  t = await migratedTestDatabase();
  r = repositories(t.dataSource);
});
afterAll(async () => {
  await t?.close();
});

describe('EntityReader (real Postgres)', () => {
  it("reads each hot entity exactly as TypeORM's findOneBy does: same class, same values and types, nulls included", async () => {
    const s = await seedTenant(r);
    const identity = await r.identities.create(s.tenant.id, { name: 'Ada', category: 'member', externalRef: 'L-1' });
    const { apiKey } = await r.tenants.issueApiKey(s.tenant.id, 'bench');
    const [described, bare] = await r.faces.saveDetections(
      s.tenant.id,
      s.frame.id,
      [detection(0, 'k/0'), detection(1)],
      'm',
    );
    await r.faces.setAttributes(s.tenant.id, described!.id, {
      age: 31.5,
      gender: 'female',
      genderConfidence: 0.93,
      emotion: 'happy',
      emotionScores: { happy: 0.9, neutral: 0.1 },
      modelId: 'ag+em',
    });
    await r.faces.recordDecision(s.tenant.id, described!.id, {
      identityId: identity.id,
      similarity: 0.71,
      visitorId: null,
      matches: [{ identityId: identity.id, similarity: 0.71 }],
    });
    await r.embeddings.upsert(s.tenant.id, described!.id, randomVector(), 'mfn');
    await r.media.setFrameCount(s.tenant.id, s.media.id, 3, 1500);

    const cases: [new () => object, Record<string, unknown>][] = [
      [Face, { tenantId: s.tenant.id, id: described!.id }],
      [Face, { tenantId: s.tenant.id, id: bare!.id }],
      [Frame, { tenantId: s.tenant.id, id: s.frame.id }],
      [Media, { tenantId: s.tenant.id, id: s.media.id }],
      [Camera, { tenantId: s.tenant.id, id: s.camera.id }],
      [Identity, { tenantId: s.tenant.id, id: identity.id }],
      [FaceEmbedding, { tenantId: s.tenant.id, faceId: described!.id }],
      [ApiKey, { prefix: apiKey.prefix }],
    ];
    for (const [target, where] of cases) {
      const expected = await t.dataSource.getRepository(target).findOneBy(where);
      expect(expected).not.toBeNull();
      const read = await new EntityReader<Record<string, unknown>>(t.dataSource, target, Object.keys(where)).one(
        ...Object.values(where),
      );
      expect(read).toEqual(expected);
      expect(read!.constructor).toBe(target);
    }
    const media = (await r.media.get(s.tenant.id, s.media.id))!;
    expect(media.bytes).toBe(5_000_000_000); // bigint, through the column's transformer
    // a created media is the row as stored, defaults included
    const created = await r.media.create(s.tenant.id, {
      cameraId: s.camera.id,
      kind: 'image',
      objectKey: 'k/photo.jpg',
      sha256: 'b'.repeat(64),
      bytes: 123,
      mime: 'image/jpeg',
      capturedAt: new Date('2026-12-01T10:00:00Z'),
    });
    expect(created).toEqual(await t.dataSource.getRepository(Media).findOneBy({ id: created.id }));
    expect(created).toMatchObject({ status: 'queued', purpose: 'analysis', frameCount: null, identityId: null });
    // a frame's faces in face order
    expect(await r.faces.listByFrame(s.tenant.id, s.frame.id)).toEqual(
      await t.dataSource.getRepository(Face).find({ where: { frameId: s.frame.id }, order: { faceIndex: 'ASC' } }),
    );
    const embedding = (await r.embeddings.get(s.tenant.id, described!.id))!;
    expect(embedding.embedding).toHaveLength(128);
  });

  it("finds nothing for another tenant's id, and runs each statement under its one name on every pooled connection", async () => {
    const a = await seedTenant(r, 'A');
    const b = await seedTenant(r, 'B');
    // more reads at once than the pool has connections: each connection prepares the statement once
    const reads = await Promise.all(Array.from({ length: 12 }, () => r.media.get(a.tenant.id, a.media.id)));
    expect(reads.every((m) => m?.id === a.media.id)).toBe(true);
    expect(await r.media.get(b.tenant.id, a.media.id)).toBeNull();
    expect(await r.frames.get(b.tenant.id, a.frame.id)).toBeNull();
    expect(await r.cameras.get(b.tenant.id, a.camera.id)).toBeNull();
    expect(await r.media.get(a.tenant.id, randomUUID())).toBeNull();
    const { rows } = await preparedQuery<{ n: number }>(
      t.dataSource,
      'storelens_test_prepared',
      `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = 'storelens_media_by_tenantId_id'`,
      [],
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('writes attributes and decisions as TypeORM did: SQL NULL for no scores, earlier matches kept when none are given', async () => {
    const s = await seedTenant(r);
    const identity = await r.identities.create(s.tenant.id, { name: 'Bo', category: 'staff' });
    const [face] = await r.faces.saveDetections(s.tenant.id, s.frame.id, [detection(0)], 'm');
    const id = face!.id;
    const attrs = { age: null, gender: null, genderConfidence: null, emotion: null, emotionScores: null, modelId: 'x' };
    expect(await r.faces.setAttributes(s.tenant.id, id, attrs)).toBe(true);
    const scores = await t.dataSource.query(`SELECT emotion_scores IS NULL AS sql_null FROM faces WHERE id = $1`, [id]);
    expect(scores[0].sql_null).toBe(true);

    const matches = [{ identityId: identity.id, similarity: 0.4 }];
    await r.faces.recordDecision(s.tenant.id, id, { identityId: null, similarity: null, visitorId: null, matches });
    await r.faces.recordDecision(s.tenant.id, id, { identityId: identity.id, similarity: 0.8, visitorId: null });
    const decided = (await r.faces.get(s.tenant.id, id))!;
    expect(decided.matches).toEqual(matches);
    expect(decided.identityId).toBe(identity.id);
    expect(decided.decidedAt).toBeInstanceOf(Date);

    // a frame count without a duration leaves the media's duration alone
    await r.media.setFrameCount(s.tenant.id, s.media.id, 2, 900);
    await r.media.setFrameCount(s.tenant.id, s.media.id, 4);
    const media = (await r.media.get(s.tenant.id, s.media.id))!;
    expect([media.frameCount, media.durationMs]).toEqual([4, 900]);
    expect(await r.frames.setStatus(s.tenant.id, s.frame.id, 'failed', 'unreadable')).toBe(true);
    expect(await r.frames.get(s.tenant.id, s.frame.id)).toMatchObject({ status: 'failed', error: 'unreadable' });
  });

  it("returns the stored rows from the write itself: a frame's faces and a media's frames as read back", async () => {
    const s = await seedTenant(r);
    const saved = await r.faces.saveDetections(
      s.tenant.id,
      s.frame.id,
      [detection(0), detection(1), detection(2)],
      'm',
    );
    expect(saved).toEqual(await r.faces.listByFrame(s.tenant.id, s.frame.id));
    expect(saved.map((f) => f.faceIndex)).toEqual([0, 1, 2]);
    // none detected on a second look: the frame's faces go
    expect(await r.faces.saveDetections(s.tenant.id, s.frame.id, [], 'm')).toEqual([]);
    expect(await r.faces.listByFrame(s.tenant.id, s.frame.id)).toEqual([]);

    const frames = [3, 1, 2].map((index) => ({
      mediaId: s.media.id,
      index,
      timeMs: index * 100,
      capturedAt: new Date(s.media.capturedAt.getTime() + index * 100),
      objectKey: `k/${index}`,
      width: 640,
      height: 480,
    }));
    const upserted = await r.frames.upsertMany(s.tenant.id, frames);
    expect(upserted.map((f) => f.index)).toEqual([1, 2, 3]);
    expect(upserted).toEqual((await r.frames.listByMedia(s.tenant.id, s.media.id)).filter((f) => f.index > 0));
  });
});
