import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CliError } from './errors.ts';

export interface JsonLine {
  /** 1-based line number in the input, for error messages. */
  line: number;
  value: unknown;
}

/** `-` is standard input; anything else a file path. */
export const openInput = (path: string, stdin: Readable): Readable => (path === '-' ? stdin : createReadStream(path));

/** Parses JSON lines one by one (blank lines skipped), naming the line of the first that is not JSON. */
export async function* readJsonLines(input: Readable, name: string): AsyncGenerator<JsonLine> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new CliError(`${name}:${line}: not valid JSON (${(error as Error).message})`);
      }
      yield { line, value };
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${name}: no such file`);
    if (code === 'EISDIR') throw new CliError(`${name}: is a directory`);
    throw error;
  } finally {
    lines.close();
  }
}
