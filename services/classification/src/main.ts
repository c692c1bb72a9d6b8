import { bootstrapService } from '@storelens/platform';
import { ClassificationModule } from './classification.module';

void bootstrapService(ClassificationModule, { name: 'classification' }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
