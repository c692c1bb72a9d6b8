// npm run openapi: writes libs/api-client/openapi/ingest.json from the code (see openapi.ts).
import { publishOpenApi } from '@storelens/platform';
import { ingestOpenApiDocument } from './openapi';

publishOpenApi('ingest', ingestOpenApiDocument).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
