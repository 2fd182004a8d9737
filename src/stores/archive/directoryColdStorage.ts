import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ColdStorage } from '../../core/index.ts';

/**
 * The archive of the embedded store: one file per segment under a directory. A segment is written to a
 * temporary file, synced to disk and renamed into place, so its name never shows a half-written file and
 * what the archiver reads back is what the disk holds.
 */
export class DirectoryColdStorage implements ColdStorage {
  readonly kind = 'directory';
  private readonly root: string;

  constructor(directory: string) {
    this.root = resolve(directory);
  }

  locate(name: string): string {
    return this.pathOf(name);
  }

  async put(name: string, content: Uint8Array): Promise<void> {
    const path = this.pathOf(name);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomUUID()}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(name: string): Promise<void> {
    await rm(this.pathOf(name), { force: true });
  }

  /** Names are the archiver's own (`type/id/from-to.jsonl`, the id URI-encoded); one escaping the root is a bug. */
  private pathOf(name: string): string {
    const path = resolve(join(this.root, ...name.split('/')));
    if (!path.startsWith(this.root + sep)) throw new Error(`archive name ${name} is outside the archive directory`);
    return path;
  }
}
