import { describe, expect, it } from 'vitest';
import { openApiPath } from '../../src/api/openapi.ts';
import type { Route } from '../../src/api/types.ts';
import { compileRoutes } from '../../src/local/router.ts';

const route = (name: string, path: string): Route<unknown> => ({ name, method: 'GET', route: path, authLevel: 'anonymous', handle: async () => ({ status: 200 }), doc: { responses: {} } });

describe('the local router: optional route parameters, as Azure Functions takes them', () => {
  it('matches `{name:maxlength(0)?}` only where the path is empty: the API prefix itself', () => {
    const match = compileRoutes([route('index', '{index:maxlength(0)?}'), route('health', 'health')]);
    expect(match('GET', '')).toMatchObject({ kind: 'found', route: { name: 'index' }, params: {} });
    expect(match('GET', 'health')).toMatchObject({ kind: 'found', route: { name: 'health' } });
    expect(match('GET', 'anything')).toEqual({ kind: 'not-found' });
    expect(openApiPath('{index:maxlength(0)?}')).toBe('/');
  });

  it('takes `{name?}` and `{name:maxlength(n)?}` as a last segment that may be absent', () => {
    const match = compileRoutes([route('items', 'items/{id?}'), route('codes', 'codes/{code:maxlength(3)?}')]);
    expect(match('GET', 'items')).toMatchObject({ kind: 'found', params: {} });
    expect(match('GET', 'items/7')).toMatchObject({ kind: 'found', params: { id: '7' } });
    expect(match('GET', 'codes/abc')).toMatchObject({ kind: 'found', params: { code: 'abc' } });
    expect(match('GET', 'codes/abcd')).toEqual({ kind: 'not-found' });
  });
});
