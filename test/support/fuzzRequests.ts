import fc from 'fast-check';

// Requests generated from an OpenAPI 3.1 document: every documented operation, with path, query and
// header parameters and JSON bodies drawn from their schemas, then mixed with hostile values (names
// of Object.prototype members, bad percent-encoding, bytes that are not UTF-8, deep nesting, wrong
// methods). Mostly valid enough to reach the handlers, often wrong enough to be refused.

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
};

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

export interface OpenApiDocument {
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface FuzzRequest {
  method: string;
  /** Path and query, percent-encoded as sent. */
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** The documented operation it was drawn from, for messages. */
  operation: string;
}

/** Names a plain object lookup would answer without anyone having stored them. */
export const PROTOTYPE_NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'prototype'])];

const HOSTILE_STRINGS = [
  ...PROTOTYPE_NAMES,
  '',
  ' ',
  '.',
  '..',
  'a/b',
  'a\\b',
  'a?b',
  'a#b',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u2028',
  '😀',
  'żółw',
  'x'.repeat(129),
  'x'.repeat(300),
  '-1',
  '0',
  '1e400',
  '12345678901234567890',
  'null',
  'true',
  '[]',
  '{}',
  '%',
  'r1.',
  'v1.',
  'v1.WyJPcmRlci1mdXp6LTEiLDFd',
];

/** Percent-encoded forms sent as they are: bad escapes and encodings of nothing the router expects. */
const RAW_SEGMENTS = ['%', '%zz', '%C0%AF', '%FF', '%00', '%2F', '%2e%2e', '..', '.', '%252F', '%E2%80%AE'];

const hostileString = fc.constantFrom(...HOSTILE_STRINGS);

/** Any string a client could send, leaning on the hostile ones. */
export const anyString = (known: readonly string[] = []): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: hostileString },
    { weight: 3, arbitrary: known.length > 0 ? fc.constantFrom(...known) : hostileString },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  );

const resolve = (schema: Schema, document: OpenApiDocument): Schema => {
  let current = schema;
  for (let hops = 0; current.$ref !== undefined && hops < 10; hops++) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = document.components?.schemas?.[name] ?? {};
  }
  return current;
};

/** A pattern as fast-check can generate it, or undefined when it cannot (flags, classes it lacks). */
const matching = (pattern: string): fc.Arbitrary<string> | undefined => {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    return undefined;
  }
};

/** JSON object keys, including the names a careless server would treat specially. */
const jsonKey = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) }, { weight: 4, arbitrary: fc.string({ maxLength: 12 }) });

/** Any JSON value, with hostile keys in its objects. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ maxLength: 30 }),
    hostileString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(jsonKey, tie('value')), { maxLength: 4 }).map((entries) => Object.fromEntries(entries)),
  ),
})).value;

/** Values drawn from a schema: valid as far as fast-check can follow it. */
const fromSchema = (schema: Schema, document: OpenApiDocument, depth = 0): fc.Arbitrary<unknown> => {
  const s = resolve(schema, document);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum !== undefined) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives !== undefined) return fc.oneof(...alternatives.map((alternative) => fromSchema(alternative, document, depth)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string': {
      if (s.format === 'uuid') return fc.uuid();
      if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (s.format === 'email') return fc.emailAddress();
      const patterned = s.pattern === undefined ? undefined : matching(s.pattern);
      const base = patterned ?? fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 30, 30) });
      return s.maxLength === undefined ? base : base.filter((v) => v.length <= s.maxLength! && v.length >= (s.minLength ?? 0));
    }
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1000, max: Math.min(s.maximum ?? 1000, 1000) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth > 4) return fc.constant([]);
      const min = s.minItems ?? 0;
      return fc.array(s.items === undefined ? anyJson : fromSchema(s.items, document, depth + 1), { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? 3, 3)) });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties = Object.entries(s.properties ?? {});
      const required = new Set(s.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of properties) record[name] = fromSchema(property, document, depth + 1);
      const known = fc.record(record, { requiredKeys: properties.map(([name]) => name).filter((name) => required.has(name)) });
      if (s.additionalProperties === false || (properties.length > 0 && s.additionalProperties === undefined)) return known;
      // Free-form members (event data, metadata): JSON under any key, the hostile ones included.
      return fc.tuple(known, fc.array(fc.tuple(jsonKey, anyJson), { maxLength: 3 })).map(([fixed, extra]) => ({ ...Object.fromEntries(extra), ...fixed }));
    }
    default:
      return anyJson;
  }
};

/** A schema-shaped value, sometimes broken: a member dropped, an unknown one added, or any JSON instead. */
const mutated = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 1, arbitrary: anyJson },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, jsonKey, anyJson).map(([value, key, extra]) =>
        value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as object), [key]: extra } : value,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat()).map(([value, n]) => {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
        const keys = Object.keys(value);
        if (keys.length === 0) return value;
        const { [keys[n % keys.length]!]: _dropped, ...rest } = value as Record<string, unknown>;
        return rest;
      }),
    },
  );

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Bodies that are not a JSON document the API could take. */
const brokenBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom(
    utf8('{'),
    utf8('{"events":['),
    utf8(`{"events":[{"type":"A","data":{"d":${'['.repeat(3000)}}}]}`),
    utf8(`{"events":[{"type":"A","data":{"d":${'['.repeat(300)}${']'.repeat(300)}}}]}`),
    new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
    utf8('{"events":[{"type":"A","data":{"n":1e400}}]}'),
    utf8('{"events":[{"type":"A","data":{"n":12345678901234567890}}]}'),
    utf8('null'),
    utf8('"text"'),
    utf8('a=1&b=2'),
  ),
);

const headerValue = fc
  .oneof(fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }), fc.constantFrom(...PROTOTYPE_NAMES, '"3"', '*', 'W/"1"', '"0"', '"-1"'))
  .filter((value) => value.length > 0);

const segment = (value: string): string => encodeURIComponent(value);

export interface FuzzOptions {
  /** Values worth drawing for a path parameter by name (stream names, view names, projection names). */
  known: Record<string, readonly string[]>;
  /** Values of `x-functions-key` to try (absent included). */
  keys: readonly (string | undefined)[];
  /** Aggregate types the generator must never produce (the canaries'). */
  reserved: readonly string[];
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** One request drawn from one documented operation. */
const requestFor = (path: string, method: string, operation: Operation, document: OpenApiDocument, options: FuzzOptions): fc.Arbitrary<FuzzRequest> => {
  const base = document.servers?.[0]?.url ?? '';
  const parameters = operation.parameters ?? [];
  // From the template itself: a route may leave a path parameter undocumented (the explorer's catch-all).
  const declared = new Map(parameters.filter((p) => p.in === 'path').map((p) => [p.name, p]));
  const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => declared.get(name!) ?? { name: name!, in: 'path' as const });
  const queryParams = parameters.filter((p) => p.in === 'query');
  const headerParams = parameters.filter((p) => p.in === 'header');
  const reserved = new Set(options.reserved);
  const pathValue = (parameter: Parameter): fc.Arbitrary<string> => {
    const schema = parameter.schema === undefined ? undefined : fromSchema(parameter.schema, document);
    const drawn = fc.oneof(
      { weight: 3, arbitrary: anyString(options.known[parameter.name] ?? []).map(segment) },
      { weight: 2, arbitrary: (schema ?? fc.string()).map((v) => segment(String(v))) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    );
    return drawn.map((value) => (reserved.has(decodeURIComponentSafe(value)) ? `${value}_` : value));
  };
  const queryValue = (parameter: Parameter): fc.Arbitrary<string> =>
    fc.oneof(anyString(options.known[parameter.name] ?? []), parameter.schema === undefined ? fc.string() : fromSchema(parameter.schema, document).map(String));
  const body = operation.requestBody?.content['application/json']?.schema;
  return fc.record({
    method: fc.oneof({ weight: 9, arbitrary: fc.constant(method.toUpperCase()) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    path: fc.tuple(...pathParams.map((p) => pathValue(p).map((value) => [p.name, value] as const))).map((values) =>
      values.reduce((built, [name, value]) => built.replace(`{${name}}`, value), path),
    ),
    query: fc.array(
      fc.oneof(
        { weight: 4, arbitrary: queryParams.length > 0 ? fc.constantFrom(...queryParams).chain((p) => queryValue(p).map((v) => [p.name, v] as const)) : fc.constant(undefined) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PROTOTYPE_NAMES, 'code', 'limit'), anyString()) },
      ),
      { maxLength: 4 },
    ),
    headers: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: headerParams.length > 0 ? fc.constantFrom(...headerParams).chain((p) => headerValue.map((v) => [p.name, v] as const)) : fc.constant(undefined) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PROTOTYPE_NAMES.filter((n) => /^[A-Za-z_]+$/.test(n)), 'content-type', 'expect-ct'), headerValue) },
      ),
      { maxLength: 3 },
    ),
    key: fc.constantFrom(...options.keys),
    body: body === undefined ? fc.option(brokenBody, { nil: undefined, freq: 3 }) : fc.oneof({ weight: 5, arbitrary: mutated(fromSchema(body, document)).map((value) => utf8(JSON.stringify(value) ?? 'null')) }, { weight: 1, arbitrary: brokenBody }),
  }).map(({ method: m, path: p, query, headers, key, body: b }) => {
    const search = new URLSearchParams();
    for (const entry of query) if (entry !== undefined) search.append(entry[0], entry[1]);
    const all: Record<string, string> = { 'content-type': 'application/json' };
    for (const entry of headers) if (entry !== undefined) all[entry[0].toLowerCase()] = entry[1];
    if (key !== undefined) all['x-functions-key'] = key;
    const text = search.toString();
    return {
      method: m,
      url: `${base}${p}${text === '' ? '' : `?${text}`}`,
      headers: all,
      // fetch sends no body with GET or HEAD.
      body: m === 'GET' || m === 'HEAD' ? undefined : b,
      operation: `${method.toUpperCase()} ${path}`,
    };
  });
};

const decodeURIComponentSafe = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/** Requests across every operation of the document. */
export const requestsOf = (document: OpenApiDocument, options: FuzzOptions): fc.Arbitrary<FuzzRequest> =>
  fc.oneof(
    ...Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => requestFor(path, method, operation, document, options)),
    ),
  );
