import { bootstrapService } from '@storelens/platform';
import { EmbeddingModule } from './embedding.module';

void bootstrapService(EmbeddingModule, { name: 'embedding' }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
