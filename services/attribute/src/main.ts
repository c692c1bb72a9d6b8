import { bootstrapService } from '@storelens/platform';
import { AttributeModule } from './attribute.module';

void bootstrapService(AttributeModule, { name: 'attribute' }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
