import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package as installed: files that ship beside the sources (package.json, static pages, infra
// scripts) are found upward from a module, the same way from `src/` and from the compiled `dist/src/`.

/** `relativePath` in the closest directory above `moduleUrl` that has it. */
export const findAbove = (moduleUrl: string, relativePath: string): string | undefined => {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const candidate = join(dir, relativePath);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
};

/** The product's package.json (it sits at a different depth once compiled). */
const readPackageJson = (): { name: string; version: string } => {
  const path = findAbove(import.meta.url, 'package.json');
  return path === undefined ? { name: 'eventlog', version: '0.0.0' } : (JSON.parse(readFileSync(path, 'utf8')) as { name: string; version: string });
};

export const packageInfo = readPackageJson();
