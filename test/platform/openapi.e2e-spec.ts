import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateOpenApi } from '../../apps/api/src/write-openapi';
import { startTestStack, type TestStack } from '../support/test-app';

const COMMITTED = join(__dirname, '../../openapi.json');

/** The first line where two texts part, with a little context, so a failure shows what changed. */
function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const at = a.findIndex((line, i) => line !== b[i]);
  const line = at === -1 ? a.length : at;
  const show = (lines: string[]) => lines.slice(Math.max(0, line - 3), line + 4).join('\n');
  return `first difference at line ${line + 1}\n--- committed openapi.json\n${show(a)}\n+++ generated from the code\n${show(b)}`;
}

describe('committed openapi.json', () => {
  it('equals the document the code generates (run `npm run openapi` after changing the API)', async () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    const generated = await generateOpenApi();
    const verdict =
      generated === committed ? 'up to date' : `openapi.json is out of date: run \`npm run openapi\` and commit it.\n${firstDifference(committed, generated)}`;
    expect(verdict).toBe('up to date');
  });

  it('is generated from the code with response types the Swagger plugin infers (same as `nest build`)', async () => {
    // The CLI plugin infers a handler's success type from its return type; when it cannot (as happened under
    // ts-jest with a stale type checker) the response schema degrades to a bare object.
    const doc = JSON.parse(await generateOpenApi());
    const created = doc.paths['/api/v1/auth/keys'].post.responses['201'].content['application/json'].schema;
    expect(created.properties.data).toEqual({ $ref: '#/components/schemas/CreatedApiKeyDto' });
    expect(doc.components.schemas.ApiKeyDto.properties.role).toMatchObject({ enum: ['admin', 'operator', 'viewer'] });
  });
});

describe('bounds that come from the configuration', () => {
  /** The `minimum` of `interval` in each request schema that has the field. */
  const intervalMinimums = (doc: any) =>
    Object.fromEntries(
      ['CreateEndpointDto', 'PatchEndpointDto', 'BulkUpdateItemDto'].map((name) => [name, doc.components.schemas[name].properties.interval.minimum]),
    );

  it('gives interval the minimum of CHECK_MIN_INTERVAL_S in every request schema: 10 by default, as committed', async () => {
    const ten = { CreateEndpointDto: 10, PatchEndpointDto: 10, BulkUpdateItemDto: 10 };
    expect(intervalMinimums(JSON.parse(await generateOpenApi()))).toEqual(ten);
    expect(intervalMinimums(JSON.parse(readFileSync(COMMITTED, 'utf8')))).toEqual(ten);
    const doc = JSON.parse(await generateOpenApi({ CHECK_MIN_INTERVAL_S: '30' }));
    expect(intervalMinimums(doc)).toEqual({ CreateEndpointDto: 30, PatchEndpointDto: 30, BulkUpdateItemDto: 30 });
    // The mark that carried the setting is not in the document.
    expect(JSON.stringify(doc)).not.toContain('x-vigil-minimum-from');
  });

  describe('served by a deployment with CHECK_MIN_INTERVAL_S=30', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack({ CHECK_MIN_INTERVAL_S: '30', RUN_CHECKS: 'false' });
    });
    afterAll(() => stack?.close());

    it('says 30 at /openapi.json', async () => {
      const res = await stack.api.http.get('/openapi.json');
      expect(res.status).toBe(200);
      expect(intervalMinimums(res.body)).toEqual({ CreateEndpointDto: 30, PatchEndpointDto: 30, BulkUpdateItemDto: 30 });
    });
  });
});
