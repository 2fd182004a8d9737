import type { z } from 'zod';
import { EventLogError, ValidationError, type FieldError } from '../core/index.ts';

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

/** Parses with a schema or throws a ValidationError whose paths start with `prefix` (body, query, path). */
export const parseWith = <S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.infer<S> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error, prefix));
  return parsed.data;
};

export class PayloadTooLargeError extends EventLogError {
  readonly code = 'payload-too-large';
}

/** The body as JSON; size is checked first so a huge body is never parsed. */
export const parseJsonBody = (body: Uint8Array | undefined): unknown => {
  if (body === undefined || body.byteLength === 0) throw new ValidationError([{ path: 'body', message: 'a JSON body is required' }]);
  if (body.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError(`body is ${body.byteLength} bytes; the limit is ${MAX_BODY_BYTES}`);
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as unknown;
  } catch (error) {
    throw new ValidationError([{ path: 'body', message: `not valid JSON: ${(error as Error).message}` }]);
  }
};
