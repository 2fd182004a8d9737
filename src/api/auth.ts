import { timingSafeEqual } from 'node:crypto';
import { problem } from './problem.ts';
import type { ApiRequest, ApiResponse, AuthLevel } from './types.ts';

export interface ApiKeys {
  apiKey?: string;
  adminKey?: string;
}

const sameKey = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * The local host's copy of Azure's function keys: the admin key opens every route (like the master key),
 * admin routes fall back to the API key when no admin key is set, and no keys at all means open.
 */
export const authorize = (level: AuthLevel, request: ApiRequest, keys: ApiKeys): ApiResponse | undefined => {
  if (level === 'anonymous') return undefined;
  const accepted = [keys.adminKey, level === 'function' || keys.adminKey === undefined ? keys.apiKey : undefined].filter(
    (k): k is string => k !== undefined,
  );
  if (accepted.length === 0) return undefined;
  const given = request.headers['x-functions-key'] ?? request.query.get('code') ?? undefined;
  if (given !== undefined && accepted.some((key) => sameKey(given, key))) return undefined;
  return problem(
    401,
    'unauthorized',
    'Unauthorized',
    level === 'admin' ? 'this route needs the admin key in header x-functions-key' : 'this route needs an API key in header x-functions-key',
    {},
    { 'www-authenticate': 'x-functions-key' },
  );
};
