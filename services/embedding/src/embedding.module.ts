import type { StoreLensConfig } from '@storelens/config';
import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@storelens/platform';
import { FaceEmbedderProvider, ReconcilerModule, WorkerKitModule } from '@storelens/worker-kit';
import { EmbeddingConsumer } from './embedding.consumer';
import { FaceEmbeddingService } from './face-embedding.service';

/** The embedding worker without the platform, so tests can run it beside the other workers in one process. */
@Module({
  imports: [WorkerKitModule],
  providers: [FaceEmbedderProvider, FaceEmbeddingService, EmbeddingConsumer],
  exports: [FaceEmbeddingService],
})
export class EmbeddingWorkerModule {}

/** The embedding service: consumes the embedding queue; HTTP only for /health and /metrics. */
@Module({})
export class EmbeddingModule {
  /** The service under a configuration: the process's own (read once in main.ts), or a test's own. */
  static forConfig(cfg: StoreLensConfig): DynamicModule {
    return {
      module: EmbeddingModule,
      imports: [PlatformModule.forService('embedding', cfg), EmbeddingWorkerModule, ReconcilerModule],
    };
  }
}
