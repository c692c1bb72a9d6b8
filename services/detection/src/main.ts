import { Module } from '@nestjs/common';
import { config } from '@storelens/config';
import { bootstrapService } from '@storelens/platform';
import { DetectionModule } from './detection.module';

/** The service under the configuration read once from the environment. */
@Module({ imports: [DetectionModule.forConfig(config())] })
class DetectionApp {}

void bootstrapService(DetectionApp, { name: 'detection' }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
