import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/index.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan, parseJsonBody } from '../../src/api/validation.ts';

// The depth check scans the raw bytes once, before anything recursive sees them: it must agree with
// the nesting JSON.parse finds, for any JSON, whatever its strings hold.

const depthOf = (value: unknown): number =>
  value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value as object).map(depthOf)) : 0;
const bytes = (text: string) => new TextEncoder().encode(text);

describe('the JSON nesting scan', () => {
  it('agrees with the depth of the parsed value for any JSON text and any limit', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, limit) => {
        const text = JSON.stringify(value);
        expect(nestsDeeperThan(bytes(text), limit)).toBe(depthOf(JSON.parse(text)) > limit);
      }),
      { seed: 19, numRuns: 500 },
    );
  });

  it('does not recurse: a body of 500,000 open brackets is refused by the scan', () => {
    expect(nestsDeeperThan(bytes('['.repeat(500_000)), MAX_JSON_DEPTH)).toBe(true);
    const error = (() => {
      try {
        parseJsonBody(bytes(`{"a":${'['.repeat(500_000)}`));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message + JSON.stringify((error as ValidationError).problemDetails())).toContain(String(MAX_JSON_DEPTH));
  });

  it('refuses bytes that are not UTF-8 and keeps a byte order mark an error, as before', () => {
    expect(() => parseJsonBody(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toThrow(ValidationError);
    expect(() => parseJsonBody(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toThrow(ValidationError);
    expect(parseJsonBody(bytes('{"ż":"✓"}'))).toEqual({ ż: '✓' });
  });
});
