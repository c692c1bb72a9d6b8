import { ApiKey, Camera, Face, FaceEmbedding, Frame, Identity, Media } from './entities';
import { EntityReader, preparedQuery } from './prepared';
import {
  detection,
  migratedTestDatabase,
  randomUUID,
  randomVector,
  repositories,
  seedTenant,
  sha256,
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

/** A media's sampled frames at these indices, `stepMs` apart. */
const sampledFrames = (media: { id: string; capturedAt: Date }, indices: number[], stepMs: number) =>
  indices.map((index) => ({
    mediaId: media.id,
    index,
    timeMs: index * stepMs,
    capturedAt: new Date(media.capturedAt.getTime() + index * stepMs),
    objectKey: `k/${index}`,
    width: 640,
    height: 480,
  }));

const count = async (table: string, where = 'true', params: unknown[] = []) =>
  Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params))[0].n);

describe('TenantRepository (real Postgres)', () => {
  it('issues an API key that verifies to its tenant, stores only its hash, and stops verifying once revoked', async () => {
    const tenant = await r.tenants.create('Acme');
    const { apiKey, key } = await r.tenants.issueApiKey(tenant.id, 'camera bridge');

    expect((await r.tenants.verifyApiKey(key))?.tenantId).toBe(tenant.id);
    expect(await count('api_keys', 'key_hash = $1', [sha256(key)])).toBe(1);
    expect(await count('api_keys', `key_hash = $1 OR prefix = $1`, [key])).toBe(0);

    expect(await r.tenants.verifyApiKey(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await r.tenants.verifyApiKey('slk_nothing')).toBeNull();

    const other = await r.tenants.create('Other');
    expect(await r.tenants.revokeApiKey(other.id, apiKey.id)).toBe(false); // not theirs to revoke
    expect(await r.tenants.revokeApiKey(tenant.id, apiKey.id)).toBe(true);
    expect(await r.tenants.verifyApiKey(key)).toBeNull();
    expect(await r.tenants.revokeApiKey(tenant.id, apiKey.id)).toBe(false);
  });
});

describe('tenant isolation', () => {
  it('never returns or changes tenant A rows when asked as tenant B', async () => {
    const a = await seedTenant(r, 'A');
    const b = await seedTenant(r, 'B');
    const identity = await r.identities.create(a.tenant.id, { name: 'Ada', category: 'member' });
    const [face] = await r.faces.saveDetections(a.tenant.id, a.frame.id, [detection(0)], 'yunet');

    expect(await r.stores.get(b.tenant.id, a.store.id)).toBeNull();
    expect(await r.cameras.get(b.tenant.id, a.camera.id)).toBeNull();
    expect(await r.media.get(b.tenant.id, a.media.id)).toBeNull();
    expect(await r.frames.get(b.tenant.id, a.frame.id)).toBeNull();
    expect(await r.faces.get(b.tenant.id, face!.id)).toBeNull();
    expect(await r.identities.get(b.tenant.id, identity.id)).toBeNull();
    expect((await r.stores.list(b.tenant.id)).map((s) => s.id)).toEqual([b.store.id]);
    expect((await r.media.list(b.tenant.id)).map((m) => m.id)).toEqual([b.media.id]);
    expect(await r.identities.list(b.tenant.id)).toEqual([]);

    expect(await r.media.setStatus(b.tenant.id, a.media.id, 'failed', 'nope')).toBe(false);
    expect((await r.media.get(a.tenant.id, a.media.id))?.status).toBe('queued');
    expect(await r.identities.softDelete(b.tenant.id, identity.id)).toBe(false);
    expect(await r.identities.purge(b.tenant.id, identity.id)).toBeNull();
    expect(await r.identities.get(a.tenant.id, identity.id)).not.toBeNull();
  });

  it('refuses to link a row of tenant B to a parent of tenant A (composite foreign keys)', async () => {
    const a = await seedTenant(r, 'A');
    const b = await seedTenant(r, 'B');
    const identityA = await r.identities.create(a.tenant.id, { name: 'Ada', category: 'staff' });
    const [faceA] = await r.faces.saveDetections(a.tenant.id, a.frame.id, [detection(0)], 'yunet');
    const [faceB] = await r.faces.saveDetections(b.tenant.id, b.frame.id, [detection(0)], 'yunet');

    await expect(r.cameras.create(b.tenant.id, { storeId: a.store.id, name: 'x', role: 'floor' })).rejects.toThrow(
      /foreign key/,
    );
    await expect(r.frames.upsert(b.tenant.id, { ...a.frame, mediaId: a.media.id, index: 7 })).rejects.toThrow(
      /foreign key/,
    );
    // the same (media, index) as A's existing frame: the conflict path must not update A's row either
    await expect(r.frames.upsert(b.tenant.id, { ...a.frame, objectKey: 'hijack' })).rejects.toThrow(/another tenant/);
    expect((await r.frames.get(a.tenant.id, a.frame.id))?.objectKey).toBe(a.frame.objectKey);
    await expect(r.faces.saveDetections(b.tenant.id, a.frame.id, [detection(0)], 'yunet')).rejects.toThrow(
      /another tenant/,
    );
    await expect(r.embeddings.upsert(b.tenant.id, faceA!.id, randomVector(), 'mfn')).rejects.toThrow(/foreign key/);
    await expect(r.identities.enrolFace(b.tenant.id, identityA.id, faceB!.id)).rejects.toThrow(/foreign key/);
    await expect(
      r.faces.recordDecision(b.tenant.id, faceB!.id, { identityId: identityA.id, similarity: 0.9, visitorId: null }),
    ).rejects.toThrow(/foreign key/);
  });

  it('deleting a tenant removes everything it owns and nothing of other tenants', async () => {
    const a = await seedTenant(r, 'A');
    const b = await seedTenant(r, 'B');
    for (const s of [a, b]) {
      const [face] = await r.faces.saveDetections(s.tenant.id, s.frame.id, [detection(0)], 'yunet');
      await r.embeddings.upsert(s.tenant.id, face!.id, randomVector(), 'mfn');
      const identity = await r.identities.create(s.tenant.id, { name: 'x', category: 'member' });
      await r.identities.enrolFace(s.tenant.id, identity.id, face!.id);
      await r.tenants.issueApiKey(s.tenant.id, 'k');
    }
    expect(await r.tenants.remove(a.tenant.id)).toBe(true);
    for (const table of [
      'api_keys',
      'stores',
      'cameras',
      'media',
      'frames',
      'faces',
      'identities',
      'identity_faces',
      'face_embeddings',
    ]) {
      expect({ table, n: await count(table, 'tenant_id = $1', [a.tenant.id]) }).toEqual({ table, n: 0 });
      expect({ table, n: await count(table, 'tenant_id = $1', [b.tenant.id]) }).toEqual({ table, n: 1 });
    }
  });
});

describe('idempotent writes (replayed jobs)', () => {
  it('upserting the same frames again keeps one row per (media, index) with the same ids and keeps its status', async () => {
    const s = await seedTenant(r);
    const frames = sampledFrames(s.media, [1, 2, 3], 500);
    const first = await r.frames.upsertMany(s.tenant.id, frames);
    await r.frames.setStatus(s.tenant.id, first[0]!.id, 'done');
    const again = await r.frames.upsertMany(s.tenant.id, frames);

    expect(again.map((f) => f.id)).toEqual(first.map((f) => f.id));
    expect(again[0]?.status).toBe('done');
    expect((await r.frames.listByMedia(s.tenant.id, s.media.id)).map((f) => f.index)).toEqual([0, 1, 2, 3]);
  });

  it("saving a frame's detections again updates in place (embeddings stay attached) and drops faces no longer detected", async () => {
    const s = await seedTenant(r);
    const first = await r.faces.saveDetections(
      s.tenant.id,
      s.frame.id,
      [detection(0), detection(1), detection(2)],
      'yunet',
    );
    await r.embeddings.upsert(s.tenant.id, first[0]!.id, randomVector(), 'mfn');
    await r.embeddings.upsert(s.tenant.id, first[2]!.id, randomVector(), 'mfn');

    const again = await r.faces.saveDetections(
      s.tenant.id,
      s.frame.id,
      [detection(0, 'crop/0'), detection(1)],
      'yunet',
    );
    expect(again.map((f) => f.id)).toEqual(first.slice(0, 2).map((f) => f.id));
    expect(again[0]).toMatchObject({
      cropKey: 'crop/0',
      faceIndex: 0,
      landmarks: detection(0).landmarks,
      boxX: 0,
      boxW: 50,
    });
    expect(await r.embeddings.get(s.tenant.id, first[0]!.id)).not.toBeNull();
    expect(await r.faces.get(s.tenant.id, first[2]!.id)).toBeNull();
    expect(await r.embeddings.get(s.tenant.id, first[2]!.id)).toBeNull(); // cascaded with its face
  });

  it('saves a crowd of faces in one frame, past what one statement can bind (65,535 parameters)', async () => {
    const s = await seedTenant(r);
    const crowd = Array.from({ length: 6_500 }, (_, i) => detection(i));
    const saved = await r.faces.saveDetections(s.tenant.id, s.frame.id, crowd, 'yunet');
    expect(saved).toHaveLength(6_500);
    expect(saved.map((f) => f.faceIndex)).toEqual(crowd.map((_, i) => i));
    // saved again with fewer: the rows past the new count go, in every batch
    const fewer = await r.faces.saveDetections(s.tenant.id, s.frame.id, crowd.slice(0, 2_001), 'yunet');
    expect(fewer.map((f) => f.id)).toEqual(saved.slice(0, 2_001).map((f) => f.id));
    // another tenant's frame is refused however many faces come, and nothing of it is written
    const other = await seedTenant(r, 'Other');
    await expect(r.faces.saveDetections(other.tenant.id, s.frame.id, crowd, 'yunet')).rejects.toThrow(/another tenant/);
    expect(await r.faces.listByFrame(s.tenant.id, s.frame.id)).toHaveLength(2_001);
  });

  it('upserting an embedding again replaces the vector and model, leaving one row', async () => {
    const s = await seedTenant(r);
    const [face] = await r.faces.saveDetections(s.tenant.id, s.frame.id, [detection(0)], 'yunet');
    const v1 = randomVector();
    const v2 = randomVector();
    await r.embeddings.upsert(s.tenant.id, face!.id, v1, 'mfn-v1');
    await r.embeddings.upsert(s.tenant.id, face!.id, v2, 'mfn-v2');

    const stored = await r.embeddings.get(s.tenant.id, face!.id);
    expect(stored?.modelId).toBe('mfn-v2');
    expect(stored?.embedding).toHaveLength(128);
    stored?.embedding.forEach((x, i) => expect(x).toBeCloseTo(v2[i]!, 5));
    expect(await count('face_embeddings', 'face_id = $1', [face!.id])).toBe(1);
    await expect(r.embeddings.upsert(s.tenant.id, face!.id, v1.slice(1), 'mfn')).rejects.toThrow(/128 dimensions/);
  });

  it('enrolling the same face twice leaves one link, and the face is attributed to the identity', async () => {
    const s = await seedTenant(r);
    const identity = await r.identities.create(s.tenant.id, { name: 'Ada', category: 'member', externalRef: 'crm-1' });
    const [face] = await r.faces.saveDetections(s.tenant.id, s.frame.id, [detection(0)], 'yunet');
    await r.identities.enrolFace(s.tenant.id, identity.id, face!.id);
    await r.identities.enrolFace(s.tenant.id, identity.id, face!.id);

    expect(await r.identities.listEnrolledFaceIds(s.tenant.id, identity.id)).toEqual([face!.id]);
    expect((await r.faces.get(s.tenant.id, face!.id))?.identityId).toBe(identity.id);
  });

  it('records attributes and decisions on a face, and reports an unknown face as not updated', async () => {
    const s = await seedTenant(r);
    const [face] = await r.faces.saveDetections(s.tenant.id, s.frame.id, [detection(0)], 'yunet');
    const attrs = {
      age: 31.5,
      gender: 'female' as const,
      genderConfidence: 0.93,
      emotion: 'happy',
      emotionScores: { happy: 0.8, neutral: 0.2 },
      modelId: 'faceapi',
    };
    expect(await r.faces.setAttributes(s.tenant.id, face!.id, attrs)).toBe(true);
    const visitorId = randomUUID();
    expect(await r.faces.recordDecision(s.tenant.id, face!.id, { identityId: null, similarity: 0.21, visitorId })).toBe(
      true,
    );
    expect(await r.faces.get(s.tenant.id, face!.id)).toMatchObject({
      age: 31.5,
      gender: 'female',
      emotionScores: { happy: 0.8, neutral: 0.2 },
      attributeModelId: 'faceapi',
      visitorId,
      identityId: null,
      decidedAt: expect.any(Date),
    });
    expect(await r.faces.setAttributes(s.tenant.id, randomUUID(), attrs)).toBe(false);
  });
});

describe('media', () => {
  it('creates media queued, with a generated id when none is given, and records a failure with its reason', async () => {
    const s = await seedTenant(r);
    const media = await r.media.create(s.tenant.id, {
      cameraId: null, // an enrolment photo
      kind: 'image',
      objectKey: 'k',
      sha256: sha256('photo'),
      bytes: 1234,
      mime: 'image/jpeg',
      capturedAt: new Date(),
    });
    expect(media).toMatchObject({ id: expect.any(String), status: 'queued', error: null, bytes: 1234 });
    expect((await r.media.findBySha256(s.tenant.id, sha256('photo')))?.id).toBe(media.id);
    expect(await r.media.setStatus(s.tenant.id, media.id, 'failed', 'not an image')).toBe(true);
    expect(await r.media.get(s.tenant.id, media.id)).toMatchObject({ status: 'failed', error: 'not an image' });
    expect((await r.media.get(s.tenant.id, s.media.id))?.bytes).toBe(5_000_000_000); // bigint read back as a number
  });
});

describe('identities', () => {
  it('hides a soft-deleted identity and frees its external reference; purge removes it and returns its crops', async () => {
    const s = await seedTenant(r);
    const ada = await r.identities.create(s.tenant.id, { name: 'Ada', category: 'staff', externalRef: 'emp-7' });
    await expect(
      r.identities.create(s.tenant.id, { name: 'Ada 2', category: 'staff', externalRef: 'emp-7' }),
    ).rejects.toThrow(/duplicate key/);
    const [face] = await r.faces.saveDetections(s.tenant.id, s.frame.id, [detection(0, 'crop/ada.jpg')], 'yunet');
    await r.identities.enrolFace(s.tenant.id, ada.id, face!.id);

    expect(await r.identities.softDelete(s.tenant.id, ada.id)).toBe(true);
    expect(await r.identities.get(s.tenant.id, ada.id)).toBeNull();
    expect(await r.identities.findByExternalRef(s.tenant.id, 'emp-7')).toBeNull();
    const successor = await r.identities.create(s.tenant.id, { name: 'Ada', category: 'staff', externalRef: 'emp-7' });
    expect((await r.identities.findByExternalRef(s.tenant.id, 'emp-7'))?.id).toBe(successor.id);

    expect(await r.identities.purge(s.tenant.id, ada.id)).toMatchObject({ cropKeys: ['crop/ada.jpg'] });
    expect(await count('identities', 'id = $1', [ada.id])).toBe(0);
    expect(await r.faces.get(s.tenant.id, face!.id)).toBeNull();
  });
});

describe('enrolment media, sampling progress and watchlist alerts', () => {
  it('links an enrolment photo to its identity and refuses enrolment media without one', async () => {
    const s = await seedTenant(r);
    const ada = await r.identities.create(s.tenant.id, { name: 'Ada', category: 'watchlist' });
    const photo = {
      cameraId: null,
      kind: 'image' as const,
      objectKey: 'k',
      sha256: sha256('ada'),
      bytes: 1,
      mime: 'image/jpeg',
      capturedAt: new Date(),
    };
    const media = await r.media.create(s.tenant.id, { ...photo, purpose: 'enrolment', identityId: ada.id });
    expect(media).toMatchObject({ purpose: 'enrolment', identityId: ada.id, frameCount: null });
    await expect(r.media.create(s.tenant.id, { ...photo, purpose: 'enrolment' })).rejects.toThrow(
      /media_enrolment_identity_check/,
    );
    const other = await seedTenant(r, 'B');
    await expect(
      r.media.create(other.tenant.id, { ...photo, purpose: 'enrolment', identityId: ada.id }),
    ).rejects.toThrow(/media_identity_fkey/);
    expect(await r.media.setFrameCount(s.tenant.id, s.media.id, 12, 10_000)).toBe(true);
    expect(await r.media.get(s.tenant.id, s.media.id)).toMatchObject({ frameCount: 12, durationMs: 10_000 });
    expect(await r.media.setFrameCount(other.tenant.id, s.media.id, 1)).toBe(false);
  });

  it('records a watchlist sighting once per face and only for the tenant', async () => {
    const s = await seedTenant(r);
    const eve = await r.identities.create(s.tenant.id, { name: 'Eve', category: 'watchlist' });
    const [face] = await r.faces.saveDetections(s.tenant.id, s.frame.id, [detection(0)], 'yunet');
    const alert = { faceId: face!.id, identityId: eve.id, cameraId: s.camera.id, similarity: 0.7, seenAt: new Date() };
    expect(await r.alerts.record(s.tenant.id, alert)).toBe(true);
    expect(await r.alerts.record(s.tenant.id, alert)).toBe(false);
    expect(await r.alerts.list(s.tenant.id)).toHaveLength(1);
    const other = await seedTenant(r, 'B');
    expect(await r.alerts.list(other.tenant.id)).toHaveLength(0);
    expect(await r.alerts.record(other.tenant.id, alert)).toBe(false); // the face already alerted, for its own tenant
  });
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
    // a face with its frame, media and embedding in one read: each as its own read returns it
    const repo = <E extends object>(target: new () => E) => t.dataSource.getRepository(target);
    for (const face of [described!, bare!]) {
      const context = await r.faces.context(s.tenant.id, face.id);
      expect(context).toEqual({
        face: await repo(Face).findOneBy({ id: face.id }),
        frame: await repo(Frame).findOneBy({ id: s.frame.id }),
        media: await repo(Media).findOneBy({ id: s.media.id }),
        embedding: await repo(FaceEmbedding).findOneBy({ faceId: face.id }), // null for the bare face
      });
      expect(context!.face.constructor).toBe(Face);
    }
    // a frame with its media and camera in one read
    expect(await r.frames.context(s.tenant.id, s.frame.id)).toEqual({
      frame: await repo(Frame).findOneBy({ id: s.frame.id }),
      media: await repo(Media).findOneBy({ id: s.media.id }),
      camera: await repo(Camera).findOneBy({ id: s.camera.id }), // without its encrypted stream URL (select: false)
    });
  });

  it("finds nothing for another tenant's id, with more reads at once than the pool has connections, through a named prepared statement", async () => {
    const a = await seedTenant(r, 'A');
    const b = await seedTenant(r, 'B');
    // more reads at once than the pool has connections: each connection prepares the statement once
    const reads = await Promise.all(Array.from({ length: 12 }, () => r.media.get(a.tenant.id, a.media.id)));
    expect(reads.every((m) => m?.id === a.media.id)).toBe(true);
    expect(await r.media.get(b.tenant.id, a.media.id)).toBeNull();
    expect(await r.frames.get(b.tenant.id, a.frame.id)).toBeNull();
    expect(await r.cameras.get(b.tenant.id, a.camera.id)).toBeNull();
    const [detected] = await r.faces.saveDetections(a.tenant.id, a.frame.id, [detection(0)], 'm');
    expect(await r.faces.context(a.tenant.id, detected!.id)).toMatchObject({
      face: { id: detected!.id },
      embedding: null,
    });
    expect(await r.faces.context(b.tenant.id, detected!.id)).toBeNull();
    expect(await r.frames.context(a.tenant.id, a.frame.id)).toMatchObject({ camera: { id: a.camera.id } });
    expect(await r.frames.context(b.tenant.id, a.frame.id)).toBeNull();
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

    const frames = sampledFrames(s.media, [3, 1, 2], 100);
    const upserted = await r.frames.upsertMany(s.tenant.id, frames);
    expect(upserted.map((f) => f.index)).toEqual([1, 2, 3]);
    expect(upserted).toEqual((await r.frames.listByMedia(s.tenant.id, s.media.id)).filter((f) => f.index > 0));
  });
});
