import { Module } from '@nestjs/common';
import { config } from '@storelens/config';
import { bootstrapService } from '@storelens/platform';
import { ClassificationModule } from './classification.module';

/** The service under the configuration read once from the environment. */
@Module({ imports: [ClassificationModule.forConfig(config())] })
class ClassificationApp {}

void bootstrapService(ClassificationApp, { name: 'classification' }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
