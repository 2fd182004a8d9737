import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The architecture as docs/architecture.md draws it, checked against the imports of the code itself:
// no import cycle between files or between the folders of src/, and each folder imports only what its
// row of the table allows.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'static' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

/** Every module specifier a file names: static imports and re-exports, side-effect imports, dynamic imports. */
const specifiersOf = (source: string): string[] =>
  [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (match) => (match[1] ?? match[2] ?? match[3])!,
  );

interface ModuleImports {
  /** Files of the project this file imports (paths from the root). */
  files: string[];
  /** Packages and builtins it imports. */
  packages: string[];
}

const files = [...sourceFiles('src'), ...sourceFiles('functions')];
const imports = new Map<string, ModuleImports>(
  files.map((file) => {
    const specifiers = specifiersOf(readFileSync(join(ROOT, file), 'utf8'));
    const local = specifiers.filter((s) => s.startsWith('.'));
    return [
      file,
      {
        files: local.map((s) => relative(ROOT, resolve(ROOT, dirname(file), s))),
        packages: specifiers.filter((s) => !s.startsWith('.')),
      },
    ];
  }),
);

/** The unit the architecture talks about: a folder of src/ (`src/core`), a file at its top (`src/product.ts`), or `functions`. */
const unitOf = (file: string): string => {
  const parts = file.split('/');
  return parts[0] === 'src' ? (parts.length > 2 ? `src/${parts[1]}` : file) : parts[0]!;
};

/** Strongly connected components with more than one member (or a member importing itself): the cycles. */
const cyclesOf = (graph: Map<string, Set<string>>): string[][] => {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    order.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!order.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, order.get(next)!));
    }
    if (low.get(node) !== order.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || graph.get(node)?.has(node)) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!order.has(node)) visit(node);
  return cycles;
};

const fileGraph = new Map([...imports].map(([file, { files: targets }]) => [file, new Set(targets)]));
const unitGraph = new Map<string, Set<string>>();
for (const [file, { files: targets }] of imports) {
  const from = unitOf(file);
  const edges = unitGraph.get(from) ?? new Set<string>();
  for (const target of targets) if (unitOf(target) !== from) edges.add(unitOf(target));
  unitGraph.set(from, edges);
}

/** Units a file of `unit` imports, project files only. */
const unitsImportedBy = (unit: string): string[] => [...(unitGraph.get(unit) ?? [])].sort();
const packagesImportedBy = (unit: string): string[] =>
  [...new Set([...imports].filter(([file]) => unitOf(file) === unit).flatMap(([, { packages }]) => packages))].sort();

describe('the architecture', () => {
  it('reads the imports it checks (a broken parser would find no edges and pass everything)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(unitsImportedBy('src/api')).toContain('src/core');
    expect(imports.get('src/app/openApp.ts')?.files).toContain('src/consumers/runtime.ts');
  });

  it('has no import cycle between files', () => {
    expect(cyclesOf(fileGraph)).toEqual([]);
  });

  it('has no import cycle between the folders of src/ (and functions/)', () => {
    expect(cyclesOf(unitGraph)).toEqual([]);
  });

  it('keeps the kernel free of SDKs and I/O: src/core imports zod and node builtins only', () => {
    expect(unitsImportedBy('src/core')).toEqual([]);
    expect(packagesImportedBy('src/core').filter((p) => p !== 'zod' && !p.startsWith('node:'))).toEqual([]);
  });

  it('keeps the HTTP contract generic: src/api imports the kernel and nothing of modules, consumers or stores', () => {
    expect(unitsImportedBy('src/api')).toEqual(['src/core', 'src/packageInfo.ts']);
  });

  it('lets modules and consumers depend on the kernel, never the kernel or the API on them', () => {
    for (const unit of ['src/core', 'src/api', 'src/consumers', 'src/stores', 'src/reconciliation', 'src/app'])
      expect(unitsImportedBy(unit), unit).not.toContain('src/domain');
    expect(unitsImportedBy('src/consumers').filter((u) => u !== 'src/core')).toEqual([]);
  });

  it('builds the reference domain on the public API only: src/domain imports src/public, zod and node builtins', () => {
    expect(unitsImportedBy('src/domain')).toEqual(['src/public']);
    expect(packagesImportedBy('src/domain').filter((p) => p !== 'zod' && !p.startsWith('node:'))).toEqual([]);
  });

  it('keeps the public entry points free of the product: src/public, src/testing and src/local never load the reference domain or the product', () => {
    expect(unitsImportedBy('src/public')).not.toContain('src/domain');
    expect(unitsImportedBy('src/public')).not.toContain('src/product.ts');
    expect(unitsImportedBy('src/testing')).not.toContain('src/domain');
    expect(unitsImportedBy('src/local')).not.toContain('src/product.ts');
  });

  it('never loads the multi-region simulator from production code', () => {
    const production = [...unitGraph.keys()].filter((unit) => unit !== 'src/simulation');
    for (const unit of production) expect(unitsImportedBy(unit), unit).not.toContain('src/simulation');
  });

  it('keeps the production reconciler free of the embedded store: src/reconciliation loads no SQLite', () => {
    expect(packagesImportedBy('src/reconciliation')).not.toContain('node:sqlite');
    expect([...imports].filter(([file]) => file.startsWith('src/reconciliation/')).flatMap(([, i]) => i.files).filter((f) => f.includes('/sqlite/'))).toEqual([]);
  });
});
