import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface ChildHost {
  url: string;
  process: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
}

export interface ChildHostOptions {
  /** Node options before the entry point (`--import` of a probe, `--cpu-prof`). */
  nodeArgs?: string[];
  /** Opens an IPC channel to the child (`child.send`, `process.send` there). */
  ipc?: boolean;
  /** Another script that starts the host (`npm run start:cosmos`'s, a starter's `src/main.ts`). */
  entry?: string;
  /** Where the process runs (default: this process's directory). */
  cwd?: string;
}

/** Runs the local host as a separate Node process, as `npm start` does, and waits until it listens. */
export const startChildHost = async (env: Record<string, string>, timeoutMs = 20_000, options: ChildHostOptions = {}): Promise<ChildHost> => {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...(options.nodeArgs ?? []), options.entry ?? MAIN], {
    env: { ...process.env, PORT: '0', ...env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: options.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local host did not start:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /listening on (http:\/\/\S+)\/api/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`local host exited with ${code}:\n${output}`));
    });
  });
  return { url, process: child, output: () => output, exited };
};
