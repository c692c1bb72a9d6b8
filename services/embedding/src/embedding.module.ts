import { Module } from '@nestjs/common';
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
@Module({ imports: [PlatformModule.forService('embedding'), EmbeddingWorkerModule, ReconcilerModule] })
export class EmbeddingModule {}
