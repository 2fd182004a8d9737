// The templates through the Bicep grammar: tree-sitter-bicep's WebAssembly build, run by
// web-tree-sitter (both npm packages, nothing downloaded). It gives syntax errors with file and
// line, object literals as plain values, and the property names of resource bodies, which the
// tests check against the Azure SDKs' models (their serializer mappers).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

let parser: Promise<Parser> | undefined;

/** One parser for the whole run (loading the grammar takes a few milliseconds). */
export const bicepParser = (): Promise<Parser> =>
  (parser ??= (async () => {
    await Parser.init();
    const p = new Parser();
    p.setLanguage(await Language.load(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm')));
    return p;
  })());

export const parseBicep = async (source: string): Promise<Tree> => {
  const tree = (await bicepParser()).parse(source);
  if (tree === null) throw new Error('the Bicep parser returned no tree');
  return tree;
};

const at = (node: Node): string => `${node.startPosition.row + 1}:${node.startPosition.column + 1}`;

const lastLeaf = (node: Node): Node => (node.childCount === 0 ? node : lastLeaf(node.child(node.childCount - 1)!));

/**
 * Syntax errors as `file:line:column: ...`. A missing token is reported where it belongs; for
 * text the grammar cannot place, the place where the parser gave up (the last token it could not
 * fit) is reported, with the line where the broken construct starts.
 */
export const syntaxErrors = (tree: Tree, file: string): string[] => {
  const errors: string[] = [];
  const visit = (node: Node): void => {
    if (node.isMissing) errors.push(`${file}:${at(node)}: missing ${node.type}`);
    else if (node.isError) {
      const leaf = lastLeaf(node);
      const near = JSON.stringify(leaf.text.split('\n')[0]!.slice(0, 40));
      const from = leaf.startPosition.row === node.startPosition.row ? '' : ` (in the construct from line ${node.startPosition.row + 1})`;
      errors.push(`${file}:${at(leaf)}: syntax error near ${near}${from}`);
    } else if (node.hasError) for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return errors;
};

/** An expression the checks do not evaluate (a reference, a call, a condition). */
export interface Expression {
  readonly expression: string;
}

export type Value = string | number | boolean | null | Expression | Value[] | { [key: string]: Value };

const keyOf = (property: Node): string => {
  const key = property.namedChildren[0]!;
  return key.type === 'string' ? key.text.slice(1, -1) : key.text;
};

/** The value of an object property, or of a declaration (the last named child). */
export const valueNode = (node: Node): Node => node.namedChildren[node.namedChildren.length - 1]!;

/** Literals as values; anything computed stays an Expression with its source text. */
export const valueOf = (node: Node): Value => {
  switch (node.type) {
    case 'object':
      return Object.fromEntries(node.namedChildren.filter((c) => c.type === 'object_property').map((p) => [keyOf(p), valueOf(valueNode(p))]));
    case 'array':
      return node.namedChildren.filter((c) => c.type !== 'comment').map(valueOf);
    case 'string':
      return node.namedChildren.every((c) => c.type === 'string_content') ? node.text.slice(1, -1) : { expression: node.text };
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.text === 'true';
    case 'null':
      return null;
    default:
      return { expression: node.text };
  }
};

export interface BicepResource {
  file: string;
  /** Symbolic name. */
  name: string;
  /** e.g. Microsoft.DocumentDB/databaseAccounts */
  type: string;
  apiVersion: string;
  existing: boolean;
  /** The body object (inside `if (...)` or `[for ...: ...]` when there is one). */
  body: Node;
}

export interface BicepFile {
  file: string;
  path: string;
  tree: Tree;
  resources: BicepResource[];
  /** Top-level `var` declarations: name -> value node. */
  variables: Map<string, Node>;
}

const bodyOf = (node: Node): Node => (node.type === 'object' ? node : bodyOf(valueNode(node)));

export const readBicep = async (path: string, file: string): Promise<BicepFile> => {
  const tree = await parseBicep(readFileSync(path, 'utf8'));
  const resources: BicepResource[] = [];
  const variables = new Map<string, Node>();
  for (const node of tree.rootNode.namedChildren) {
    if (node.type === 'variable_declaration') variables.set(node.namedChildren[0]!.text, valueNode(node));
    if (node.type !== 'resource_declaration') continue;
    const [type, apiVersion] = node.namedChildren[1]!.text.slice(1, -1).split('@') as [string, string];
    const existing = node.children.some((c) => c.type === 'existing');
    resources.push({ file, name: node.namedChildren[0]!.text, type, apiVersion, existing, body: bodyOf(valueNode(node)) });
  }
  return { file, path, tree, resources, variables };
};

/** The body of the resource whose `name:` is the literal `name` (e.g. a container), as a value. */
export const resourceNamed = (file: BicepFile, type: string, name: string): { [key: string]: Value } | undefined => {
  for (const r of file.resources.filter((r) => r.type === type)) {
    const body = valueOf(r.body) as { [key: string]: Value };
    if (body.name === name) return body;
  }
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// The SDK models. An @azure/arm-* package of the classic generator ships `models/mappers.js`:
// one mapper per model with, for every property, its wire name (`serializedName`, dotted where
// the SDK flattens `properties`), its type and whether it is read-only.

interface MapperType {
  name: string;
  className?: string;
  modelProperties?: Record<string, Mapper>;
  element?: Mapper;
  value?: Mapper;
  additionalProperties?: unknown;
  uberParent?: string;
  polymorphicDiscriminator?: unknown;
}

interface Mapper {
  serializedName?: string;
  readOnly?: boolean;
  type: MapperType;
}

export type Mappers = Record<string, Mapper> & { discriminators?: Record<string, Mapper> };

/** The mappers module of an installed SDK package (`relativePath` from its package root). */
export const loadMappers = async (pkg: string, relativePath: string): Promise<Mappers> =>
  (await import(pathToFileURL(join(dirname(require.resolve(`${pkg}/package.json`)), relativePath)).href)) as Mappers;

/** What a template may write at one place of the request body. */
type Shape =
  | { kind: 'object'; model: string; fields: Map<string, { readOnly: boolean; shape: () => Shape }>; open: boolean }
  | { kind: 'array'; element: () => Shape }
  | { kind: 'map'; value: () => Shape }
  | { kind: 'leaf' };

const splitName = (serializedName: string): string[] => serializedName.split(/(?<!\\)\./).map((s) => s.replace(/\\\./g, '.'));

export const shapeOf = (mappers: Mappers, type: MapperType): Shape => {
  switch (type.name) {
    case 'Composite': {
      const className = type.className!;
      const own = mappers[className]?.type ?? type;
      // A polymorphic model (e.g. backupPolicy: Periodic | Continuous) accepts its subtypes' properties.
      const root = own.uberParent ?? className;
      const subtypes = own.polymorphicDiscriminator
        ? Object.entries(mappers.discriminators ?? {}).filter(([k]) => k.startsWith(`${root}.`)).map(([, m]) => m.type)
        : [];
      const top: Shape & { kind: 'object' } = { kind: 'object', model: className, fields: new Map(), open: own.additionalProperties !== undefined };
      for (const t of [own, ...subtypes]) {
        for (const property of Object.values(t.modelProperties ?? {})) {
          if (!property.serializedName) continue;
          const path = splitName(property.serializedName);
          let at = top;
          for (const segment of path.slice(0, -1)) {
            // An SDK-flattened wrapper such as `properties`: an object of its own on the wire.
            if (!at.fields.has(segment)) {
              const wrapper: Shape = { kind: 'object', model: `${className}.${segment}`, fields: new Map(), open: false };
              at.fields.set(segment, { readOnly: false, shape: () => wrapper });
            }
            at = at.fields.get(segment)!.shape() as Shape & { kind: 'object' };
          }
          at.fields.set(path[path.length - 1]!, { readOnly: property.readOnly === true, shape: () => shapeOf(mappers, property.type) });
        }
      }
      return top;
    }
    case 'Sequence':
      return { kind: 'array', element: () => shapeOf(mappers, type.element!.type) };
    case 'Dictionary':
      return { kind: 'map', value: () => shapeOf(mappers, type.value!.type) };
    default:
      return { kind: 'leaf' };
  }
};

/** Keys of a resource body that are Bicep's own, not the resource's. */
const BICEP_KEYS = new Set(['name', 'parent', 'scope', 'dependsOn']);

/**
 * Property names of a resource body that the model does not have, or has read-only. Variables
 * of the same file and `loadJsonContent('...')` files are followed; computed values are not.
 */
export const propertyProblems = (file: BicepFile, resource: BicepResource, shape: Shape): string[] => {
  const problems: string[] = [];
  const report = (node: Node | undefined, path: string, message: string) =>
    problems.push(`${file.file}:${node ? node.startPosition.row + 1 : '?'}: ${resource.type} ${path}: ${message}`);

  const checkJson = (value: unknown, shape: Shape, path: string, node: Node): void => {
    if (shape.kind === 'array' && Array.isArray(value)) value.forEach((v, i) => checkJson(v, shape.element(), `${path}[${i}]`, node));
    else if (typeof value === 'object' && value !== null && !Array.isArray(value))
      for (const [key, v] of Object.entries(value)) {
        const next = field(shape, key, `${path}.${key}`, node);
        if (next) checkJson(v, next, `${path}.${key}`, node);
      }
  };

  const field = (shape: Shape, key: string, path: string, node: Node): Shape | undefined => {
    if (shape.kind === 'map') return shape.value();
    if (shape.kind !== 'object') return undefined;
    const f = shape.fields.get(key);
    if (f === undefined) {
      if (!shape.open) report(node, path, `not a property of ${shape.model}`);
      return undefined;
    }
    if (f.readOnly) report(node, path, `read-only in ${shape.model}`);
    return f.shape();
  };

  const check = (node: Node, shape: Shape, path: string, depth: number): void => {
    if (depth > 20) return;
    switch (node.type) {
      case 'object':
        for (const property of node.namedChildren.filter((c) => c.type === 'object_property')) {
          const key = keyOf(property);
          if (depth === 0 && BICEP_KEYS.has(key)) continue;
          const next = field(shape, key, path ? `${path}.${key}` : key, property);
          if (next) check(valueNode(property), next, path ? `${path}.${key}` : key, depth + 1);
        }
        return;
      case 'array':
        if (shape.kind === 'array') for (const element of node.namedChildren) check(element, shape.element(), `${path}[]`, depth + 1);
        return;
      case 'for_statement':
        if (shape.kind === 'array') check(valueNode(node), shape.element(), `${path}[]`, depth + 1);
        return;
      case 'ternary_expression':
        check(node.namedChildren[1]!, shape, path, depth + 1);
        check(node.namedChildren[2]!, shape, path, depth + 1);
        return;
      case 'parenthesized_expression':
        check(valueNode(node), shape, path, depth + 1);
        return;
      case 'identifier': {
        const variable = file.variables.get(node.text);
        if (variable) check(variable, shape, path, depth + 1);
        return;
      }
      case 'call_expression': {
        const [callee, args] = node.namedChildren;
        const argument = args?.namedChildren[0];
        if (callee?.text === 'loadJsonContent' && argument?.type === 'string') {
          const json: unknown = JSON.parse(readFileSync(join(dirname(file.path), argument.text.slice(1, -1)), 'utf8'));
          checkJson(json, shape, path, node);
        }
        return;
      }
      default:
        return;
    }
  };

  check(resource.body, shape, '', 0);
  return problems;
};
