import { Readable, Writable } from 'node:stream';
import { runCli } from '../../src/cli/run.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command line of the CLI in this process with captured output and the given environment only. */
export const runCliInProcess = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) => new Writable({ write: (chunk: Buffer, _encoding, done) => { append(chunk.toString()); done(); } });
  const code = await runCli(args, {
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    stdin: Readable.from([]),
    env,
    signal: new AbortController().signal,
    interactive: false,
  });
  return { code, stdout, stderr };
};
