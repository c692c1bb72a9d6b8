import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import type { IdentityCategory } from '@storelens/contracts';
import { IdentityRepository, MediaRepository, type Identity, type NewIdentity } from '@storelens/db';
import { annotatedFrameStem, faceStemOf, ObjectStore, stemOf } from '@storelens/storage';

/** Postgres' unique_violation: here, a live identity of the tenant already has the external reference. */
const UNIQUE_VIOLATION = '23505';

/** Object removals in flight at once when an identity with many sightings is deleted. */
const REMOVAL_CONCURRENCY = 8;

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

@Injectable()
export class IdentityService {
  constructor(
    @Inject(IdentityRepository) private readonly identities: IdentityRepository,
    @Inject(MediaRepository) private readonly media: MediaRepository,
    @Inject(ObjectStore) private readonly objects: ObjectStore,
  ) {}

  async create(tenantId: string, input: NewIdentity): Promise<Identity> {
    const conflict = () => new ConflictException(`an identity with externalRef "${input.externalRef}" already exists`);
    if (input.externalRef && (await this.identities.findByExternalRef(tenantId, input.externalRef))) throw conflict();
    try {
      return await this.identities.create(tenantId, input);
    } catch (err) {
      // two requests with the same reference at once: the unique index decides
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw conflict();
      }
      throw err;
    }
  }

  list(tenantId: string, category?: IdentityCategory): Promise<Identity[]> {
    return this.identities.list(tenantId, { category });
  }

  /** The identity, or 404 (also for another tenant's id). */
  async require(tenantId: string, identityId: string): Promise<Identity> {
    const identity = await this.identities.get(tenantId, identityId);
    if (!identity) throw new NotFoundException('identity not found');
    return identity;
  }

  async get(tenantId: string, identityId: string): Promise<{ identity: Identity; faces: number }> {
    const identity = await this.require(tenantId, identityId);
    const faces = (await this.identities.listEnrolledFaceIds(tenantId, identityId)).length;
    return { identity, faces };
  }

  /**
   * Erases an identity: its enrolment photos (with their frames and crops), the faces attributed to it, their
   * vectors and crop images, and the cached annotated renderings of every frame the person was seen in (they show
   * the name; the next request draws the frame again without it). The enrolment objects go first, while the rows
   * that name them still exist, so a failure there leaves everything in place and the request can simply be
   * repeated.
   */
  async remove(tenantId: string, identityId: string): Promise<void> {
    await this.require(tenantId, identityId);
    const enrolments = await this.media.listForIdentity(tenantId, identityId);
    await forEachLimited(enrolments, REMOVAL_CONCURRENCY, (m) => this.objects.removeStem(stemOf(m.objectKey)));
    const purged = await this.identities.purge(tenantId, identityId);
    if (!purged) throw new NotFoundException('identity not found');
    const stems = [
      ...new Set([
        ...purged.cropKeys.map(faceStemOf),
        ...purged.frames.map((f) => annotatedFrameStem({ tenantId, ...f })),
      ]),
    ];
    await forEachLimited(stems, REMOVAL_CONCURRENCY, (stem) => this.objects.removeStem(stem));
  }
}
