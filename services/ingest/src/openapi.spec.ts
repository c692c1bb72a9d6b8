import { readFileSync } from 'node:fs';
import { openApiJson, publishedOpenApiFile } from '@storelens/platform';
import { ingestOpenApiDocument } from './openapi';

// The published document (libs/api-client/openapi/ingest.json) is what the code generates now, and says what the
// zod schemas say. Built from the code alone: no database, queue or object store is touched.

let doc: any;
beforeAll(async () => {
  doc = await ingestOpenApiDocument();
});

/** Every array in a document, by where it sits: a nullable field written as a bare z.string().nullable() shows up. */
function arrays(node: unknown, at = ''): string[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => arrays(n, `${at}[${i}]`));
  if (!node || typeof node !== 'object') return [];
  const own = (node as { type?: unknown }).type === 'array' ? [at] : [];
  return [...own, ...Object.entries(node).flatMap(([k, v]) => arrays(v, `${at}/${k}`))];
}

describe('the published ingest OpenAPI document', () => {
  it('is what the code generates now (`npm run openapi` rewrites it)', () => {
    const published = readFileSync(publishedOpenApiFile('ingest'), 'utf8');
    expect({ current: openApiJson(doc) === published, fix: 'npm run openapi' }).toEqual({
      current: true,
      fix: 'npm run openapi',
    });
  });

  it('describes the API key as what it is (slk_…), not a JWT', () => {
    const scheme = doc.components.securitySchemes.bearer;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(JSON.stringify(scheme)).not.toMatch(/JWT/i);
    expect(scheme.description).toContain('slk_');
    expect(doc.security).toEqual([{ bearer: [] }]);
  });

  it('takes request bodies from the zod schemas: required fields, bounds, defaults, nullable', () => {
    const camera = doc.components.schemas.NewCameraDto;
    expect(camera.required).toEqual(['name']);
    expect(camera.additionalProperties).toBe(false);
    expect(camera.properties.fps).toMatchObject({ type: 'number', minimum: 0.1, maximum: 30, default: 1 });
    expect(camera.properties.role).toMatchObject({
      enum: ['entrance', 'checkout', 'floor', 'promotion', 'other'],
      default: 'other',
    });
    expect(camera.properties.zone.anyOf).toEqual([expect.objectContaining({ type: 'string' }), { type: 'null' }]);
    expect(doc.components.schemas.NewIdentityDto.required).toEqual(['name', 'category']);
    expect(doc.paths['/v1/stores'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/NewStoreDto',
    );
  });

  it('has arrays only where the API answers lists', () => {
    expect(arrays(doc).sort()).toEqual(
      [
        '/components/schemas/ErrorDto/properties/issues',
        '/components/schemas/TransactionsRecordedDto/properties/ids',
        '/paths//v1/identities/get/responses/200/content/application/json/schema',
        '/paths//v1/stores/get/responses/200/content/application/json/schema',
        '/paths//v1/stores/{storeId}/cameras/get/responses/200/content/application/json/schema',
      ].sort(),
    );
    expect(doc.components.schemas.CameraDto.properties.zone.anyOf).toContainEqual({ type: 'null' });
    expect(doc.components.schemas.StoreDto.properties.createdAt).toEqual({ type: 'string', format: 'date-time' });
  });
});
