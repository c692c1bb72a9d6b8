import { Module } from '@nestjs/common';
import { config } from '@storelens/config';
import { bootstrapService } from '@storelens/platform';
import { AttributeModule } from './attribute.module';

/** The service under the configuration read once from the environment. */
@Module({ imports: [AttributeModule.forConfig(config())] })
class AttributeApp {}

void bootstrapService(AttributeApp, { name: 'attribute' }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
