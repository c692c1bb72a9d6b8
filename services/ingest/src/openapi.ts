import type { OpenAPIObject } from '@nestjs/swagger';
import { loadConfig } from '@storelens/config';
import { previewOpenApiDocument, type OpenApiInfo } from '@storelens/platform';
import { IngestModule } from './ingest.module';

/** The ingest API's OpenAPI title and description (served at /docs/ingest, published by `npm run openapi`). */
export const INGEST_OPENAPI: OpenApiInfo = {
  title: 'StoreLens ingest API',
  description:
    'Stores, cameras and identities; uploads of camera images and videos, and of enrolment photos. ' +
    'Results are read from the analytics API (/docs/analytics).',
};

/** The ingest API's document, from the code alone: what /docs/ingest serves and libs/api-client/openapi publishes. */
export function ingestOpenApiDocument(): Promise<OpenAPIObject> {
  return previewOpenApiDocument(IngestModule.forConfig(loadConfig({}), 'api'), INGEST_OPENAPI);
}
