import { Module } from '@nestjs/common';
import { config } from '@storelens/config';
import { bootstrapService } from '@storelens/platform';
import { EmbeddingModule } from './embedding.module';

/** The service under the configuration read once from the environment. */
@Module({ imports: [EmbeddingModule.forConfig(config())] })
class EmbeddingApp {}

void bootstrapService(EmbeddingApp, { name: 'embedding' }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
