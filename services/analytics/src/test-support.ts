// Helpers for this service's specs (not imported by the service): the read API in-process against a migrated test
// database of its own and a bucket of its own, and a seeder that writes rows the way the pipeline's services do,
// through the repositories.
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import type { StoreLensConfig } from '@storelens/config';
import { EMOTIONS, type Gender, type ProcessingStatus } from '@storelens/contracts';
import {
  AlertRepository,
  CameraRepository,
  FaceRepository,
  FrameRepository,
  IdentityRepository,
  MediaRepository,
  StoreRepository,
  TenantRepository,
  type Face,
  type Frame,
  type Media,
  type Point,
} from '@storelens/db';
import { PlatformModule } from '@storelens/platform';
import { frameKey, ObjectStore } from '@storelens/storage';
import { createTestEnvironment } from '@storelens/test-environment';
import { AnalyticsApiModule } from './analytics-api.module';

export const PUBLIC_BASE_URL = 'https://storelens.example';

export interface AnalyticsTestApp {
  app: INestApplication;
  cfg: StoreLensConfig;
  /** a connection of the test's own, for seeding */
  dataSource: DataSource;
  store: ObjectStore;
  seed: Seeder;
  /** GET with the tenant's API key (or none) */
  get(path: string, apiKey?: string): request.Test;
  close(): Promise<void>;
}

export async function startAnalyticsTestApp(): Promise<AnalyticsTestApp> {
  const env = await createTestEnvironment({
    name: 'analytics-test',
    env: { PUBLIC_BASE_URL },
  });
  const { dataSource, config: cfg } = env;
  const moduleRef = await Test.createTestingModule({
    imports: [PlatformModule.forService('analytics', cfg), AnalyticsApiModule],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  const store = app.get(ObjectStore);
  return {
    app,
    cfg,
    dataSource,
    store,
    seed: new Seeder(dataSource, store),
    get: (path, apiKey) => {
      const req = request(app.getHttpServer()).get(path);
      return apiKey ? req.set('Authorization', `Bearer ${apiKey}`) : req;
    },
    close: async () => {
      await store.removePrefix('t/');
      await store.removeBucket();
      await app.close();
      await env.close();
    },
  };
}

/** A face as a test describes it; attributes and decision left out are still pending. */
export interface FaceSpec {
  box?: [number, number, number, number];
  landmarks?: Point[];
  attributes?: { age: number; gender: Gender; emotion: string };
  /** an identity, or an anonymous visitor */
  decision?: { identityId: string; similarity: number } | { visitorId: string };
}

export interface MediaSpec {
  cameraId: string | null;
  storeId: string | null;
  capturedAt: Date;
  kind?: 'image' | 'video';
  status?: ProcessingStatus;
  error?: string;
  frameCount?: number;
  identityId?: string;
}

export interface FrameSpec {
  index: number;
  capturedAt?: Date;
  status?: ProcessingStatus;
  error?: string;
  /** a JPEG to store as the frame's image (its size becomes the frame's size) */
  jpeg?: { bytes: Buffer; width: number; height: number };
  faces?: FaceSpec[];
}


/** Writes the rows the pipeline's services write, through the same repositories. */
export class Seeder {
  readonly tenants: TenantRepository;
  readonly stores: StoreRepository;
  readonly cameras: CameraRepository;
  readonly media: MediaRepository;
  readonly frames: FrameRepository;
  readonly faces: FaceRepository;
  readonly identities: IdentityRepository;
  readonly alerts: AlertRepository;

  constructor(
    dataSource: DataSource,
    private readonly objects: ObjectStore,
  ) {
    this.tenants = new TenantRepository(dataSource);
    this.stores = new StoreRepository(dataSource);
    this.cameras = new CameraRepository(dataSource);
    this.media = new MediaRepository(dataSource);
    this.frames = new FrameRepository(dataSource);
    this.faces = new FaceRepository(dataSource);
    this.identities = new IdentityRepository(dataSource);
    this.alerts = new AlertRepository(dataSource);
  }

  async tenant(name: string): Promise<{ tenantId: string; apiKey: string }> {
    const tenant = await this.tenants.create(name);
    return { tenantId: tenant.id, apiKey: (await this.tenants.issueApiKey(tenant.id, 'test')).key };
  }

  /** A store with one camera per name. */
  async store(tenantId: string, name: string, cameraNames: string[]) {
    const store = await this.stores.create(tenantId, { name, timezone: 'Europe/Berlin' });
    const cameras = [];
    for (const cameraName of cameraNames) {
      cameras.push(await this.cameras.create(tenantId, { storeId: store.id, name: cameraName, role: 'entrance' }));
    }
    return { store, cameras };
  }

  /** A media item in the state the spec describes, with its frames and their faces. */
  async mediaWith(
    tenantId: string,
    spec: MediaSpec,
    frames: FrameSpec[] = [],
  ): Promise<{ media: Media; frames: Frame[]; faces: Face[][] }> {
    const id = randomUUID();
    await this.media.create(tenantId, {
      id,
      cameraId: spec.cameraId,
      kind: spec.kind ?? (frames.length > 1 ? 'video' : 'image'),
      objectKey: `t/${tenantId}/media/${id}`,
      sha256: randomUUID().replace(/-/g, '').padEnd(64, '0'),
      bytes: 1000,
      mime: 'image/jpeg',
      capturedAt: spec.capturedAt,
      purpose: spec.identityId ? 'enrolment' : 'analysis',
      identityId: spec.identityId ?? null,
    });
    if (spec.status) await this.media.setStatus(tenantId, id, spec.status, spec.error ?? null);
    const storedFrames: Frame[] = [];
    const storedFaces: Face[][] = [];
    for (const f of frames) {
      const capturedAt = f.capturedAt ?? spec.capturedAt;
      const ref = { tenantId, storeId: spec.storeId, cameraId: spec.cameraId, mediaId: id, capturedAt };
      const objectKey = frameKey({ ...ref, frameIndex: f.index });
      if (f.jpeg) await this.objects.put(objectKey, f.jpeg.bytes, 'image/jpeg');
      const frame = await this.frames.upsert(tenantId, {
        mediaId: id,
        index: f.index,
        timeMs: f.index * 500,
        capturedAt,
        objectKey,
        width: f.jpeg?.width ?? 640,
        height: f.jpeg?.height ?? 480,
      });
      if (f.status) await this.frames.setStatus(tenantId, frame.id, f.status, f.error ?? null);
      storedFrames.push({ ...frame, status: f.status ?? frame.status, error: f.error ?? null });
      storedFaces.push(await this.facesOf(tenantId, frame.id, f.faces ?? []));
    }
    if (spec.frameCount !== undefined) await this.media.setFrameCount(tenantId, id, spec.frameCount);
    return { media: (await this.media.get(tenantId, id))!, frames: storedFrames, faces: storedFaces };
  }

  /** Detection, then attributes and decisions as far as each spec goes. */
  async facesOf(tenantId: string, frameId: string, specs: FaceSpec[]): Promise<Face[]> {
    if (specs.length === 0) return [];
    const detections = specs.map((s, i) => {
      const [x, y, w, h] = s.box ?? [10 + 60 * i, 20, 50, 60];
      const landmarks: Point[] = s.landmarks ?? [
        [x + w * 0.3, y + h * 0.4],
        [x + w * 0.7, y + h * 0.4],
        [x + w * 0.5, y + h * 0.6],
        [x + w * 0.35, y + h * 0.8],
        [x + w * 0.65, y + h * 0.8],
      ];
      return { box: { x, y, w, h }, score: 0.9 + i / 100, landmarks, cropKey: null };
    });
    const faces = await this.faces.saveDetections(tenantId, frameId, detections, 'yunet-test');
    for (const [i, s] of specs.entries()) {
      const face = faces[i]!;
      if (s.attributes) await this.describe(tenantId, face.id, s.attributes);
      if (s.decision) await this.decide(tenantId, face.id, s.decision);
    }
    return this.faces.listByFrame(tenantId, frameId);
  }

  describe(tenantId: string, faceId: string, a: NonNullable<FaceSpec['attributes']>) {
    const scores = Object.fromEntries(EMOTIONS.map((e) => [e, e === a.emotion ? 0.7 : 0.05]));
    return this.faces.setAttributes(tenantId, faceId, {
      age: a.age,
      gender: a.gender,
      genderConfidence: 0.9,
      emotion: a.emotion,
      emotionScores: scores,
      modelId: 'faceapi-test',
    });
  }

  decide(tenantId: string, faceId: string, d: NonNullable<FaceSpec['decision']>) {
    return this.faces.recordDecision(
      tenantId,
      faceId,
      'identityId' in d
        ? { identityId: d.identityId, similarity: d.similarity, visitorId: null }
        : { identityId: null, similarity: null, visitorId: d.visitorId },
    );
  }
}

/** Path and query of an absolute URL, for supertest. */
export const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};
