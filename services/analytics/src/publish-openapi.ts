// npm run openapi: writes libs/api-client/openapi/analytics.json from the code (see openapi.ts).
import { publishOpenApi } from '@storelens/platform';
import { analyticsOpenApiDocument } from './openapi';

publishOpenApi('analytics', analyticsOpenApiDocument).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
