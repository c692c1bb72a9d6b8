import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { config } from '@storelens/config';
import { bootstrapService } from '@storelens/platform';
import { IngestModule, ingestServiceName } from './ingest.module';
import { INGEST_OPENAPI } from './openapi';

/** The ingest process: the module under the configuration read from the environment, in its INGEST_ROLE. */
@Module({ imports: [IngestModule.forConfig(config())] })
class IngestApp {}

const role = config().ingest.role;
bootstrapService(IngestApp, {
  name: ingestServiceName(role),
  // the worker alone serves only /health and /metrics
  openApi: role === 'worker' ? undefined : INGEST_OPENAPI,
}).catch((err: unknown) => {
  process.stderr.write(`ingest: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
