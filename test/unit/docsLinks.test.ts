import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The docs point only at what the repository has: links and the Markdown files they name.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const documents = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('the README and docs', () => {
  it('link and name only files the repository has', () => {
    const missing: string[] = [];
    for (const doc of documents) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      const links = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/.test(target));
      for (const target of links) if (!existsSync(join(ROOT, dirname(doc), target))) missing.push(`${doc}: link ${target}`);
      // Markdown files named in code spans, e.g. `docs/api.md`: in the repository, beside the doc or from its root.
      for (const [, name] of text.matchAll(/`([\w./-]+\.md)`/g))
        if (!existsSync(join(ROOT, dirname(doc), name!)) && !existsSync(join(ROOT, name!))) missing.push(`${doc}: names ${name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('the license', () => {
  it('is the MIT license package.json declares, held by the eventlog contributors', () => {
    expect((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string }).license).toBe('MIT');
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license.split('\n')[0]).toBe('MIT License');
    expect(license).toContain('Copyright (c) 2026 eventlog contributors');
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });
});
