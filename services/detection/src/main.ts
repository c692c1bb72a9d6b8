import { bootstrapService } from '@storelens/platform';
import { DetectionModule } from './detection.module';

void bootstrapService(DetectionModule, { name: 'detection' }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
