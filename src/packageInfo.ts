import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The product's package.json, found upward from this module (it sits at a different depth once compiled). */
const findPackageJson = (): { name: string; version: string } => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return JSON.parse(readFileSync(candidate, 'utf8')) as { name: string; version: string };
    const parent = dirname(dir);
    if (parent === dir) return { name: 'eventlog', version: '0.0.0' };
    dir = parent;
  }
};

export const packageInfo = findPackageJson();
