import { describe, expect, it } from 'vitest';
import { decodeFeedCursor, encodeFeedCursor, FeedFilter, matchesFeedFilter, ValidationError } from '../../src/core/index.ts';

const pathsOf = (work: () => unknown): string[] => {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error.errors.map((e) => `${e.path}: ${e.message}`);
    throw error;
  }
  return [];
};

describe('feed cursors', () => {
  it('come back as the store cursor they were made from, in the region and scope they were made for', () => {
    const text = encodeFeedCursor({ region: 'westeurope', scope: '*', cursor: '42' });
    expect(text).toMatch(/^f1\.[A-Za-z0-9_-]+$/);
    expect(decodeFeedCursor(text, { region: 'westeurope', scope: '*' }, 'query.after')).toBe('42');
  });

  it('are refused in another region, naming both regions and the request part that carried it', () => {
    const text = encodeFeedCursor({ region: 'westeurope', scope: '*', cursor: '42' });
    const [problem] = pathsOf(() => decodeFeedCursor(text, { region: 'northeurope', scope: '*' }, 'header.Last-Event-ID'));
    expect(problem).toMatch(/^header\.Last-Event-ID: .*region westeurope.*region northeurope/);
  });

  it('are refused under another filter scope', () => {
    const text = encodeFeedCursor({ region: 'r', scope: 'stream:Order-1', cursor: 'etag' });
    expect(pathsOf(() => decodeFeedCursor(text, { region: 'r', scope: 'category:Order' }, 'query.after'))).toEqual([expect.stringMatching(/^query\.after: was made for another filter/)]);
  });

  it.each(['12', 'f1.', 'f1.not-base64-json', `f1.${Buffer.from('["only","two"]').toString('base64url')}`, `f1.${Buffer.from('{"a":1}').toString('base64url')}`])(
    'refuses %s as not a feed cursor',
    (text) => {
      expect(pathsOf(() => decodeFeedCursor(text, { region: 'r', scope: '*' }, 'query.after'))).toEqual([expect.stringMatching(/^query\.after: is not a feed cursor/)]);
    },
  );
});

describe('feed filters', () => {
  const order = { aggregateType: 'Order', streamId: 'Order-1' };
  it('match by category, by stream, or everything', () => {
    expect(matchesFeedFilter({}, order)).toBe(true);
    expect(matchesFeedFilter({ category: 'Order' }, order)).toBe(true);
    expect(matchesFeedFilter({ category: 'User' }, order)).toBe(false);
    expect(matchesFeedFilter({ streamId: 'Order-1' }, order)).toBe(true);
    expect(matchesFeedFilter({ streamId: 'Order-2' }, order)).toBe(false);
  });

  it('take a category or a stream, not both, and only well-formed names', () => {
    expect(FeedFilter.safeParse({ category: 'Order', streamId: 'Order-1' }).success).toBe(false);
    expect(FeedFilter.safeParse({ category: 'Or-der' }).success).toBe(false);
    expect(FeedFilter.safeParse({ streamId: 'Order' }).success).toBe(false);
    expect(FeedFilter.safeParse({ streamId: 'Order-a:b@c' }).success).toBe(true);
  });
});
