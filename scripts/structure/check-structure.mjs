#!/usr/bin/env node
// The shape of the tree, checked in `npm test`:
// - no import cycle among the files of apps/ and libs/ (type-only imports count too: a cycle of
//   types is still two files that cannot be understood one without the other);
// - no undeclared dependency: production code imports only `dependencies`, tests, benchmarks and
//   scripts also `devDependencies`.
// Usage: node scripts/structure/check-structure.mjs [--root DIR]; exit 1 naming each problem.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const rootIndex = args.indexOf('--root');
const root = resolve(rootIndex >= 0 ? args[rootIndex + 1] : join(import.meta.dirname, '..', '..'));

const SKIP_DIRS = new Set(['node_modules', 'dist', '.data', 'coverage', 'fixtures', '.git']);
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s)?['"]([^'"]+)['"]|(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;
const BUILTINS = new Set(builtinModules);
const ALIASES = { '@app/common': 'libs/common/src' };

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (SKIP_DIRS.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.(ts|mjs|cjs|js)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Import specifiers of a file, comments removed first so examples in comments do not count. */
function importsOf(file) {
  const source = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...source.matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
}

function resolveLocal(from, specifier) {
  let base;
  if (specifier.startsWith('.')) base = resolve(dirname(from), specifier);
  else {
    const alias = Object.keys(ALIASES).find((a) => specifier === a || specifier.startsWith(`${a}/`));
    if (!alias) return undefined;
    base = join(root, ALIASES[alias], specifier.slice(alias.length));
  }
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const state = new Map();
  const found = [];
  const visit = (node) => {
    state.set(node, { index, low: index, onStack: true });
    index += 1;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!state.has(next)) {
        visit(next);
        state.get(node).low = Math.min(state.get(node).low, state.get(next).low);
      } else if (state.get(next).onStack) {
        state.get(node).low = Math.min(state.get(node).low, state.get(next).index);
      }
    }
    if (state.get(node).low === state.get(node).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        state.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const problems = [];

// Cycles among apps/ and libs/.
const graph = new Map();
for (const file of [...filesUnder(join(root, 'apps')), ...filesUnder(join(root, 'libs'))]) {
  if (!file.endsWith('.ts')) continue;
  graph.set(
    file,
    importsOf(file)
      .map((s) => resolveLocal(file, s))
      .filter(Boolean),
  );
}
for (const component of cycles(graph)) {
  problems.push(`import cycle: ${component.map((f) => relative(root, f)).join(' ⇄ ')}`);
}

// Undeclared packages.
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const production = new Set(Object.keys(manifest.dependencies ?? {}));
const development = new Set([...production, ...Object.keys(manifest.devDependencies ?? {})]);
const packageOf = (specifier) => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};
const checked = ['apps', 'libs', 'test', 'bench', 'scripts'].flatMap((dir) => filesUnder(join(root, dir)));
for (const file of checked) {
  const path = relative(root, file);
  const isProduction = /^(apps|libs)\//.test(path) && !/\.spec\.ts$/.test(path);
  for (const specifier of importsOf(file)) {
    if (specifier.startsWith('.') || specifier.startsWith('node:') || specifier.startsWith('@app/')) continue;
    const name = packageOf(specifier);
    if (BUILTINS.has(name)) continue;
    if (!(isProduction ? production : development).has(name)) {
      const where = isProduction && development.has(name) ? ' (only in devDependencies)' : '';
      problems.push(`undeclared dependency: ${path} imports ${name}${where}`);
    }
  }
}

for (const problem of problems) process.stdout.write(`${problem}\n`);
process.stdout.write(`structure: ${graph.size} files, ${problems.length} problem(s)\n`);
process.exit(problems.length === 0 ? 0 : 1);
