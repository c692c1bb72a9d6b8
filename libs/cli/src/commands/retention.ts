import type { Command } from 'commander';
import { config } from '@storelens/config';
import { createDataSource, RetentionRepository } from '@storelens/db';
import { ObjectStore, stemOf } from '@storelens/storage';
import { printJson } from '../output';

export interface SweepResult {
  media: number;
  objects: number;
  /** Tracks and visitors whose centroid vectors were forgotten because their faces are gone. */
  tracks: number;
  visitors: number;
}

/**
 * Deletes camera media past its retention date: its objects first (original, frames, face crops, renderings),
 * then its rows, so that a sweep interrupted half-way is simply finished by the next one; then forgets the track
 * and visitor centroids that no remaining face backs.
 */
export async function sweepExpired(
  retention: RetentionRepository,
  store: ObjectStore,
  now = new Date(),
): Promise<SweepResult> {
  const result: SweepResult = { media: 0, objects: 0, tracks: 0, visitors: 0 };
  for (;;) {
    const batch = await retention.expired(now, 100);
    if (batch.length === 0) {
      // also after a sweep that found nothing: an earlier one interrupted before this step is finished here
      const forgotten = await retention.forgetOrphanCentroids();
      return { ...result, ...forgotten };
    }
    for (const m of batch) {
      for (const key of m.frameKeys) result.objects += await store.removeStem(stemOf(key));
      await store.remove(m.objectKey);
      result.objects++;
      if (await retention.deleteMedia(m.tenantId, m.mediaId)) result.media++;
    }
  }
}

/** `storelens retention sweep`: run it from cron (hourly is plenty); prints `{"media","objects","tracks","visitors"}`. */
export function addRetentionCommands(program: Command): void {
  program
    .command('retention')
    .description('delete camera media (frames, faces, vectors, objects) past RETENTION_DAYS')
    .command('sweep')
    .option('--now <iso>', 'treat this time as now (to preview or test)')
    .action(async (o: { now?: string }) => {
      const now = o.now ? new Date(o.now) : new Date();
      if (Number.isNaN(now.getTime())) throw new Error(`--now must be an ISO time, got ${o.now}`);
      const ds = createDataSource(config().database.url, { poolSize: 1 });
      await ds.initialize();
      const store = new ObjectStore(config().s3);
      try {
        printJson(await sweepExpired(new RetentionRepository(ds), store, now));
      } finally {
        store.close();
        await ds.destroy();
      }
    });
}
