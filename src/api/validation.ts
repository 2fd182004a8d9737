import type { z } from 'zod';
import { ProblemError, ValidationError, type FieldError } from '../core/index.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export const fieldErrors = (error: z.ZodError, prefix = ''): FieldError[] =>
  error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.'),
    message: issue.message,
  }));

/** Validates every part of a request and reports all problems at once, not the first one. */
export const validate = <T extends Record<string, [z.ZodType, unknown]>>(
  parts: T,
): { [K in keyof T]: z.infer<T[K][0]> } => {
  const errors: FieldError[] = [];
  const values: Record<string, unknown> = {};
  for (const [prefix, [schema, value]] of Object.entries(parts)) {
    const parsed = schema.safeParse(value);
    if (parsed.success) values[prefix] = parsed.data;
    else errors.push(...fieldErrors(parsed.error, prefix));
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return values as { [K in keyof T]: z.infer<T[K][0]> };
};

/** The query as an object for a schema; a repeated parameter (`?limit=1&limit=5`) is a 400, never silently the last. */
export const queryObject = (query: URLSearchParams): Record<string, string> => {
  const repeated = [...new Set([...query.keys()].filter((name) => query.getAll(name).length > 1))];
  if (repeated.length > 0) throw new ValidationError(repeated.map((name) => ({ path: `query.${name}`, message: 'must be given at most once' })));
  return Object.fromEntries(query);
};

export class PayloadTooLargeError extends ProblemError('payload-too-large', 413, 'Request body too large') {}

/**
 * A JSON number the log cannot hand back as sent (JSON.parse, SQLite JSON and Cosmos DB all keep doubles):
 * out of double range (it would come back as null), or an integer literal whose double neither equals it
 * nor prints as it (12345678901234567890 would come back as 12345678901234567000). What JSON.stringify
 * writes for a double always passes.
 */
const lossyNumber = (value: unknown, source: string | undefined): boolean =>
  typeof value === 'number' &&
  (!Number.isFinite(value) ||
    (source !== undefined && /^-?[0-9]+$/.test(source) && String(value) !== source && BigInt(source) !== BigInt(value)));

/**
 * The body as JSON, whatever content type the client declared (`curl -d` sends a form type): the
 * contract has one body format, and a body that is not JSON is a 400. Size is checked first so a
 * huge body is never parsed.
 */
export const parseJsonBody = (body: Uint8Array | undefined): unknown => {
  if (body === undefined || body.byteLength === 0) throw new ValidationError([{ path: 'body', message: 'a JSON body is required' }]);
  if (body.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError(`body is ${body.byteLength} bytes; the limit is ${MAX_BODY_BYTES}`);
  let parsed: unknown;
  const lossy: string[] = [];
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'), (key: string, value: unknown, context?: { source?: string }) => {
      if (lossyNumber(value, context?.source)) lossy.push(`${key === '' ? 'the body' : `"${key}"`}: ${context?.source ?? String(value)}`);
      return value;
    }) as unknown;
  } catch (error) {
    throw new ValidationError([{ path: 'body', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  if (lossy.length > 0)
    throw new ValidationError(
      lossy.map((at) => ({ path: 'body', message: `number ${at} cannot be stored exactly as a double; send it as a string` })),
    );
  return parsed;
};
