import type { OpenAPIObject } from '@nestjs/swagger';
import { loadConfig } from '@storelens/config';
import { previewOpenApiDocument, type OpenApiInfo } from '@storelens/platform';
import { AnalyticsModule } from './analytics.module';

/** The analytics API's OpenAPI title and description (served at /docs/analytics, published by `npm run openapi`). */
export const ANALYTICS_OPENAPI: OpenApiInfo = {
  title: 'StoreLens analytics API',
  description:
    'The read side: media with their status, frames and faces; annotated frames; visitor and demographic ' +
    'summaries; watchlist alerts. Every call is scoped to the tenant of the API key.',
};

/** The analytics API's document, from the code alone: what /docs/analytics serves and the repository publishes. */
export function analyticsOpenApiDocument(): Promise<OpenAPIObject> {
  return previewOpenApiDocument(AnalyticsModule.forConfig(loadConfig({})), ANALYTICS_OPENAPI);
}
