import { readFileSync } from 'node:fs';
import { clientTypes, PUBLISHED_APIS, typesFile } from './codegen';

// The client's types are what openapi-typescript makes of the published documents now; the documents themselves
// are checked against the code by each service's openapi.spec.ts.
describe('the generated client types', () => {
  it.each(PUBLISHED_APIS)('src/generated/%s.ts is current (`npm run openapi` rewrites it)', async (api) => {
    const current = (await clientTypes(api)) === readFileSync(typesFile(api), 'utf8');
    expect({ current, fix: 'npm run openapi' }).toEqual({ current: true, fix: 'npm run openapi' });
  });
});
