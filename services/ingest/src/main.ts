import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { bootstrapService } from '@storelens/platform';
import { IngestModule } from './ingest.module';

/** The ingest process: the module under the configuration read from the environment. */
@Module({ imports: [IngestModule.forConfig()] })
class IngestApp {}

bootstrapService(IngestApp, {
  name: 'ingest',
  openApi: {
    title: 'StoreLens ingest API',
    description:
      'Stores, cameras and identities; uploads of camera images and videos, and of enrolment photos. ' +
      'Results are read from the analytics API (/docs/analytics).',
  },
}).catch((err: unknown) => {
  process.stderr.write(`ingest: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
