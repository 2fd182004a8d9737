import { describe, expect, it } from 'vitest';
import { decodeReadToken, encodeReadToken } from '../../src/api/handlers/readToken.ts';
import { parseIfMatch } from '../../src/api/handlers/headers.ts';
import { decodeConsistencyToken, encodeConsistencyToken, parseStreamId, ValidationError } from '../../src/core/index.ts';

describe('tokens and headers', () => {
  it('consistency tokens round-trip and reject anything else', () => {
    const token = encodeConsistencyToken({ streamId: 'Order-a-b', sequence: 42 });
    expect(decodeConsistencyToken(token)).toEqual({ streamId: 'Order-a-b', sequence: 42 });
    expect(decodeConsistencyToken('v1.garbage')).toBeUndefined();
    expect(decodeConsistencyToken('nope')).toBeUndefined();
    expect(decodeConsistencyToken(encodeConsistencyToken({ streamId: 'X-1', sequence: 0 }))).toBeUndefined();
  });

  it('read tokens round-trip and reject forgeries', () => {
    expect(decodeReadToken(encodeReadToken(101))).toBe(101);
    expect(() => decodeReadToken('r1.' + Buffer.from('-3').toString('base64url'))).toThrow(ValidationError);
    expect(() => decodeReadToken('xyz')).toThrow(ValidationError);
  });

  it('If-Match takes quoted, weak and bare versions, and * for an existing stream', () => {
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"3"')).toBe(3);
    expect(parseIfMatch('7')).toBe(7);
    expect(parseIfMatch('"0"')).toBe('no_stream');
    expect(parseIfMatch('*')).toBe('exists');
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(() => parseIfMatch('"v3"')).toThrow(ValidationError);
  });

  it('stream ids split at the first dash', () => {
    expect(parseStreamId('Order-42-a')).toEqual({ aggregateType: 'Order', aggregateId: '42-a' });
    expect(parseStreamId('-42')).toBeUndefined();
    expect(parseStreamId('Order')).toBeUndefined();
    expect(parseStreamId('Order-')).toBeUndefined();
  });
});
