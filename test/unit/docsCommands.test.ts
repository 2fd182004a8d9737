import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The commands the README and the docs show must run as written on a fresh clone, whatever Node the
// machine has: npm scripts and npx run the project's own Node 22, a bare `node` is the machine's.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

const documents = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `examples/${d.name}/README.md`),
];

/** Every command a document shows: lines of its shell code blocks, and inline code spans that start with a launcher. */
const commandsOf = (file: string): { where: string; command: string }[] => {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const commands: { where: string; command: string }[] = [];
  let shell = false;
  let fenced = false;
  text.split('\n').forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    const fence = /^\s*```(\w*)/.exec(line);
    if (fence) {
      shell = !fenced && ['sh', 'bash', 'shell', 'console'].includes(fence[1]!);
      fenced = !fenced;
      return;
    }
    if (shell) {
      if (line.trim() !== '' && !line.trim().startsWith('#')) commands.push({ where, command: line.trim() });
      return;
    }
    if (fenced) return;
    // Inline: the npm and npx commands, and any node command with a file to run (not `node --version` in prose).
    for (const [, span] of line.matchAll(/`([^`]+)`/g))
      if (/^(npx|npm|infra\/scripts\/)/.test(span!) || /^node\s.*\.(ts|js|mjs)\b/.test(span!)) commands.push({ where, command: span! });
  });
  return commands;
};

const all = documents.flatMap(commandsOf);

describe('commands in the README and the docs', () => {
  it('were found', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all.map((c) => c.command)).toContain('npm install && npm start     # the API on http://127.0.0.1:7071/api, data in ./.data');
  });

  it('never run a bare node (the machine may have an older one): npm scripts or npx node instead', () => {
    const bare = all.filter(({ command }) => /(^|[;&|(]\s*|\$\(\s*)node\s/.test(command.replace(/npx node\s/g, '')));
    expect(bare).toEqual([]);
  });

  it('name npm scripts that exist', () => {
    const missing = all.flatMap(({ where, command }) =>
      [...command.matchAll(/npm run ([\w:.-]+)/g)].map((m) => m[1]!).filter((name) => !scripts.includes(name)).map((name) => `${where}: npm run ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('run the eventlog CLI through npx (or the npm script) in a clone, where it is not on PATH', () => {
    const bare = all.filter(({ command }) => /(^|[;&|(]\s*|\$\(\s*|^[A-Z_]+=\S+\s+)eventlog\s/.test(command) && !/^npm /.test(command));
    expect(bare).toEqual([]);
  });

  it('tell a user with an older system Node what to type', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/older[^\n]*Node/);
    expect(readme).toContain('npx node');
  });
});
