import type { z } from 'zod';
import { ProblemError, ValidationError, type FieldError } from '../core/index.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Arrays and objects may nest this deep in a JSON body, the body itself being level 1. */
export const MAX_JSON_DEPTH = 256;

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
 * Text in which every number is exact as a double: a lossy integer literal has 16 digits or more in a
 * row (below 10^15 every integer is exact), and a literal out of double range has an exponent of three
 * digits or 309 digits (a mantissa without 16 digits in a row reaches 10^308 only with such an exponent).
 */
const MAY_HOLD_LOSSY_NUMBER = /[0-9]{16}|[eE][+-]?[0-9]{3}/;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`, found in one pass without recursion,
 * before anything (JSON.parse's reviver, zod, structuredClone, JSON.stringify) walks it recursively.
 * Brackets inside strings do not count; an escaped quote does not end a string. Multi-byte UTF-8
 * sequences never contain these ASCII bytes, so the raw bytes can be scanned.
 */
export const nestsDeeperThan = (bytes: Uint8Array, limit: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text, refusing bytes that are not UTF-8 (RFC 8259) rather than storing U+FFFD in their place. */
const decodeUtf8 = (body: Uint8Array): string => {
  try {
    return utf8.decode(body);
  } catch {
    throw new ValidationError([{ path: 'body', message: 'is not valid UTF-8: a JSON body must be encoded in UTF-8' }]);
  }
};

/**
 * The body as JSON, whatever content type the client declared (`curl -d` sends a form type): the
 * contract has one body format, and a body that is not JSON is a 400. Size is checked first so a
 * huge body is never parsed, then the encoding and the nesting depth.
 */
export const parseJsonBody = (body: Uint8Array | undefined): unknown => {
  if (body === undefined || body.byteLength === 0) throw new ValidationError([{ path: 'body', message: 'a JSON body is required' }]);
  if (body.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError(`body is ${body.byteLength} bytes; the limit is ${MAX_BODY_BYTES}`);
  const text = decodeUtf8(body);
  if (nestsDeeperThan(body, MAX_JSON_DEPTH))
    throw new ValidationError([{ path: 'body', message: `nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; the limit is ${MAX_JSON_DEPTH}` }]);
  let parsed: unknown;
  const lossy: string[] = [];
  try {
    // A reviver makes JSON.parse several times slower: only text that could hold a lossy number pays for it.
    if (!MAY_HOLD_LOSSY_NUMBER.test(text)) return JSON.parse(text) as unknown;
    parsed = JSON.parse(text, (key: string, value: unknown, context?: { source?: string }) => {
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
