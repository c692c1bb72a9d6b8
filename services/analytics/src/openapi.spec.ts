import { readFileSync } from 'node:fs';
import { openApiJson, publishedOpenApiFile } from '@storelens/platform';
import { analyticsOpenApiDocument } from './openapi';

// The published document (libs/api-client/openapi/analytics.json) is what the code generates now; see the ingest
// service's openapi.spec.ts for the same checks on the write side.

let doc: any;
beforeAll(async () => {
  doc = await analyticsOpenApiDocument();
});

function arrays(node: unknown, at = ''): string[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => arrays(n, `${at}[${i}]`));
  if (!node || typeof node !== 'object') return [];
  const own = (node as { type?: unknown }).type === 'array' ? [at] : [];
  return [...own, ...Object.entries(node).flatMap(([k, v]) => arrays(v, `${at}/${k}`))];
}

describe('the published analytics OpenAPI document', () => {
  it('is what the code generates now (`npm run openapi` rewrites it)', () => {
    const published = readFileSync(publishedOpenApiFile('analytics'), 'utf8');
    expect({ current: openApiJson(doc) === published, fix: 'npm run openapi' }).toEqual({
      current: true,
      fix: 'npm run openapi',
    });
  });

  it('names the nested bodies, so the generated client can', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['MediaDto', 'MediaSummaryDto', 'FrameDto', 'FaceDto', 'SummaryDto', 'AlertDto']),
    );
    expect(doc.components.schemas.MediaDto.properties.frames.items).toEqual({ $ref: '#/components/schemas/FrameDto' });
    expect(JSON.stringify(doc.components.securitySchemes)).not.toMatch(/JWT/i);
  });

  it('documents the query parameters from the same zod schemas that validate them', () => {
    const params = (p: string) =>
      Object.fromEntries(doc.paths[p].get.parameters.map((x: any) => [x.name, { in: x.in, required: x.required }]));
    expect(params('/v1/analytics/summary')).toEqual({
      from: { in: 'query', required: false },
      to: { in: 'query', required: false },
      storeId: { in: 'query', required: false },
      cameraId: { in: 'query', required: false },
      zone: { in: 'query', required: false },
      groupBy: { in: 'query', required: false },
      visitors: { in: 'query', required: false },
      format: { in: 'query', required: false },
    });
    const limit = doc.paths['/v1/alerts'].get.parameters.find((x: any) => x.name === 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 100 });
  });

  it('has arrays only where the API answers lists', () => {
    expect(arrays(doc).sort()).toEqual(
      [
        '/components/schemas/ErrorDto/properties/issues',
        '/components/schemas/FaceDto/properties/box',
        '/components/schemas/FrameDto/properties/faces',
        '/components/schemas/MediaDto/properties/frames',
        '/components/schemas/SummaryDto/properties/groups',
        '/components/schemas/NewWebhookDto/properties/events',
        '/components/schemas/WebhookDto/properties/events',
        '/components/schemas/PersonVisitsDto/properties/items',
        '/components/schemas/PersonVisitsDto/properties/items/items/properties/transactions',
        '/components/schemas/PersonVisitsDto/properties/items/items/properties/zones',
        '/components/schemas/PersonVisitsDto/properties/purchases',
        '/components/schemas/TrafficDto/properties/groups',
        '/components/schemas/VisitsPageDto/properties/items',
        '/components/schemas/VisitsPageDto/properties/items/items/properties/transactions',
        '/components/schemas/VisitsPageDto/properties/items/items/properties/zones',
        '/components/schemas/ZonesDto/properties/zones',
        '/paths//v1/webhooks/get/responses/200/content/application/json/schema',
        '/paths//v1/webhooks/{id}/deliveries/get/responses/200/content/application/json/schema',
        '/paths//v1/alerts/get/responses/200/content/application/json/schema',
        '/paths//v1/analytics/faces/get/responses/200/content/application/json/schema',
        '/paths//v1/media/get/responses/200/content/application/json/schema',
      ].sort(),
    );
  });
});
