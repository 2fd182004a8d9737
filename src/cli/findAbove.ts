import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `relativePath` in the closest directory above `moduleUrl` that has it: files that ship beside the
 * sources (infra scripts, static pages) are found the same way from `src/` and from the compiled `dist/src/`.
 */
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
