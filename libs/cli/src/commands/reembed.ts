import type { Command } from 'commander';
import { config } from '@storelens/config';
import { createDataSource, EmbeddingRepository } from '@storelens/db';
import { FaceEmbedder, modelOptions } from '@storelens/inference';
import { ObjectStore } from '@storelens/storage';
import { FaceCropStore } from '@storelens/worker-kit';
import { printJson } from '../output';

export interface ReembedResult {
  modelId: string;
  reembedded: number;
  /** enrolled faces whose stored crop is gone: they keep their old vector, which is never compared (other model) */
  missingCrop: string[];
}

const PAGE = 100;

/**
 * Re-embeds a tenant's enrolled faces with the current identity model, from the aligned crops the platform stored.
 * Classification only compares vectors of one model id, so until this has run a tenant's gallery is empty for the
 * new model rather than mixed. Idempotent: faces already at the model are not listed, so a rerun continues.
 */
export async function reembedEnrolled(
  tenantId: string,
  embeddings: EmbeddingRepository,
  crops: FaceCropStore,
  embedder: FaceEmbedder,
): Promise<ReembedResult> {
  const result: ReembedResult = { modelId: embedder.modelId, reembedded: 0, missingCrop: [] };
  let after: string | undefined;
  for (;;) {
    const page = await embeddings.enrolledNeedingModel(tenantId, embedder.modelId, PAGE, after);
    if (page.length === 0) return result;
    for (const face of page) {
      const aligned = face.cropKey ? await crops.load(face.cropKey, 'aligned') : null;
      if (!aligned) {
        result.missingCrop.push(face.faceId);
        continue;
      }
      const vector = await embedder.embedAligned(aligned);
      await embeddings.upsert(tenantId, face.faceId, Array.from(vector), embedder.modelId);
      result.reembedded++;
    }
    after = page[page.length - 1].faceId;
  }
}

/** `storelens embeddings reembed --tenant <id>`: run after changing STORELENS_EMBEDDER; prints a ReembedResult. */
export function addReembedCommand(program: Command): void {
  program
    .command('embeddings')
    .description('identity vectors')
    .command('reembed')
    .description("re-embed a tenant's enrolled faces with the current identity model (STORELENS_EMBEDDER)")
    .requiredOption('--tenant <id>', 'tenant id')
    .action(async (o: { tenant: string }) => {
      const ds = createDataSource(config().database.url, { poolSize: 1 });
      await ds.initialize();
      const store = new ObjectStore(config().s3);
      try {
        const embedder = await FaceEmbedder.create(modelOptions(config()));
        printJson(await reembedEnrolled(o.tenant, new EmbeddingRepository(ds), new FaceCropStore(store), embedder));
      } finally {
        store.close();
        await ds.destroy();
      }
    });
}
