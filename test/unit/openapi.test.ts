import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, openApiJson, openApiPath } from '../../src/api/openapi.ts';
import { productRoutes } from '../support/productRoutes.ts';

const COMMITTED = new URL('../../docs/openapi.json', import.meta.url);

type Operation = { operationId: string; security: unknown[]; 'x-auth-level': string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
const document = buildOpenApiDocument(productRoutes) as unknown as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};
const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));

describe('the OpenAPI document', () => {
  it('is committed up to date in docs/openapi.json (run npm run openapi after changing routes or schemas)', () => {
    expect(readFileSync(COMMITTED, 'utf8'), 'docs/openapi.json is stale: run npm run openapi').toBe(openApiJson(productRoutes));
  });

  it('describes exactly the routes of the route table, each with its method, path and name', () => {
    expect(document.openapi).toBe('3.1.0');
    const documented = operations.map(({ path, method, operation }) => `${method.toUpperCase()} ${path} ${operation.operationId}`).sort();
    const declared = productRoutes.map((route) => `${route.method} ${openApiPath(route.route)} ${route.name}`).sort();
    expect(documented).toEqual(declared);
  });

  it('asks for a key on every route but the anonymous ones, and marks admin routes', () => {
    for (const route of productRoutes) {
      const operation = document.paths[openApiPath(route.route)]![route.method.toLowerCase()]!;
      expect(operation['x-auth-level'], route.name).toBe(route.authLevel);
      if (route.authLevel === 'anonymous') expect(operation.security, route.name).toEqual([]);
      else {
        expect(operation.security, route.name).toEqual([{ functionKey: [] }, { functionKeyQuery: [] }]);
        expect(operation.responses['401'], route.name).toBeDefined();
      }
    }
  });

  it('gives every error response the problem+json schema', () => {
    for (const { operation } of operations)
      for (const [status, response] of Object.entries(operation.responses))
        if (Number(status) >= 400) expect(Object.keys(response.content ?? {}), `${operation.operationId} ${status}`).toEqual(['application/problem+json']);
  });

  it('holds only schemas a JSON Schema 2020-12 validator compiles', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'openapi.json', components: document.components });
    const compile = (schema: unknown) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/')));
    for (const name of Object.keys(document.components.schemas)) expect(() => compile({ $ref: `#/components/schemas/${name}` }), name).not.toThrow();
    for (const { operation } of operations)
      for (const response of Object.values(operation.responses))
        for (const media of Object.values(response.content ?? {})) expect(() => compile(media.schema), operation.operationId).not.toThrow();
  });

  it('refuses to generate when a route has no documentation', () => {
    const undocumented = [...productRoutes, { name: 'secretRoute', method: 'GET' as const, route: 'secret', authLevel: 'function' as const, handle: productRoutes[0]!.handle }] as typeof productRoutes;
    expect(() => buildOpenApiDocument(undocumented)).toThrow(/secretRoute/);
  });
});
