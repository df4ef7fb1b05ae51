import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mongoose, { Connection } from 'mongoose';

/**
 * The shapes of the queries the app sends to its database, recorded from every e2e suite, so that
 * test/e2e/query-indexes.e2e-spec.ts can check each one is served by a declared index. A shape is
 * the filter's field names (equality and range apart) and the sort, never the values:
 * `eq: callId, state; range: joinedAt; sort: joinedAt:1`. `$or` branches are shapes of their own.
 *
 * Every query of the app's connections passes through Mongoose's debug hook (the test's own
 * connection, `db()`, is left out: arranging and checking state is not the app's query). A shape
 * missing from test/query-shapes.json fails the suite when its app closes; with
 * RECORD_QUERY_SHAPES=1 it is added to the file instead (QUERY_SHAPES_FILE names another file,
 * to record a run apart). See docs/architecture.md, "Indexes and query shapes".
 */
export const QUERY_SHAPES_FILE = process.env.QUERY_SHAPES_FILE ?? join(__dirname, '..', 'query-shapes.json');

export type ShapeFile = Record<string, string[]>;

export interface Shape {
  eq: string[];
  range: string[];
  sort: [string, 1 | -1][];
}

const recording = process.env.RECORD_QUERY_SHAPES === '1';
const seen = new Map<string, Set<string>>();
const reported = new Set<string>();
const ignored = new WeakSet<object>();

/** Leaves a connection's queries out of the record (the test's own, for arranging and checking state). */
export function ignoreQueries(connection: Connection): Connection {
  ignored.add(connection);
  return connection;
}

export function formatShape(shape: Shape): string {
  const parts: string[] = [];
  if (shape.eq.length) parts.push(`eq: ${shape.eq.join(', ')}`);
  if (shape.range.length) parts.push(`range: ${shape.range.join(', ')}`);
  if (shape.sort.length) parts.push(`sort: ${shape.sort.map(([key, direction]) => `${key}:${direction}`).join(', ')}`);
  return parts.length ? parts.join('; ') : 'all';
}

export function parseShape(text: string): Shape {
  const shape: Shape = { eq: [], range: [], sort: [] };
  if (text === 'all') return shape;
  for (const part of text.split('; ')) {
    const [kind, list] = part.split(': ') as [string, string];
    const items = list.split(', ');
    if (kind === 'eq') shape.eq = items;
    else if (kind === 'range') shape.range = items;
    else if (kind === 'sort')
      shape.sort = items.map((item) => {
        const at = item.lastIndexOf(':');
        return [item.slice(0, at), Number(item.slice(at + 1)) as 1 | -1];
      });
    else throw new Error(`Unknown part "${part}" in query shape "${text}"`);
  }
  return shape;
}

export function readShapeFile(): ShapeFile {
  return existsSync(QUERY_SHAPES_FILE) ? (JSON.parse(readFileSync(QUERY_SHAPES_FILE, 'utf8')) as ShapeFile) : {};
}

interface Conditions {
  eq: Set<string>;
  range: Set<string>;
}

const EQUALITY_OPERATORS = new Set(['$eq', '$in']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function merge(a: Conditions, b: Conditions): Conditions {
  return { eq: new Set([...a.eq, ...b.eq]), range: new Set([...a.range, ...b.range]) };
}

/** The conditions of a filter: one per `$or` branch (crossed with the rest of the filter). */
function conditionsOf(filter: unknown): Conditions[] {
  let result: Conditions[] = [{ eq: new Set(), range: new Set() }];
  if (!isPlainObject(filter)) return result;
  const cross = (alternatives: Conditions[]) => {
    result = result.flatMap((base) => alternatives.map((alternative) => merge(base, alternative)));
  };
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$comment') continue;
    if (key === '$and' && Array.isArray(value)) for (const part of value) cross(conditionsOf(part));
    else if (key === '$or' && Array.isArray(value)) cross(value.flatMap((branch) => conditionsOf(branch)));
    else if (key.startsWith('$')) cross([{ eq: new Set(), range: new Set([key]) }]);
    else {
      const operators = isPlainObject(value) ? Object.keys(value).filter((k) => k.startsWith('$')) : [];
      const equality =
        value instanceof RegExp ? false : operators.every((operator) => EQUALITY_OPERATORS.has(operator));
      cross([equality ? { eq: new Set([key]), range: new Set() } : { eq: new Set(), range: new Set([key]) }]);
    }
  }
  return result;
}

function sortOf(sort: unknown): [string, 1 | -1][] {
  if (sort instanceof Map) sort = Object.fromEntries(sort);
  if (Array.isArray(sort)) sort = Object.fromEntries(sort.map((entry) => (Array.isArray(entry) ? entry : [entry, 1])));
  if (!isPlainObject(sort)) return [];
  return Object.entries(sort).map(([key, direction]) => [
    key,
    direction === -1 || direction === 'desc' || direction === 'descending' ? -1 : 1,
  ]);
}

/** The shapes of one query (one per `$or` branch), as strings. */
export function shapesOf(filter: unknown, sort?: unknown): string[] {
  const order = sortOf(sort);
  return [
    ...new Set(
      conditionsOf(filter).map(({ eq, range }) =>
        formatShape({ eq: [...eq].sort(), range: [...range].filter((key) => !eq.has(key)).sort(), sort: order }),
      ),
    ),
  ];
}

type Found = [collection: string, shape: string];

function aggregateShapes(collection: string, pipeline: unknown): Found[] {
  if (!Array.isArray(pipeline)) return [];
  const found: Found[] = [];
  let filter: Record<string, unknown> = {};
  let index = 0;
  const stages = pipeline as Record<string, unknown>[];
  while (index < stages.length && stages[index]?.$match) filter = { $and: [filter, stages[index++].$match] };
  found.push(...shapesOf(filter, stages[index]?.$sort).map((shape): Found => [collection, shape]));
  for (const stage of stages) {
    const lookup = stage.$lookup as { from?: string; foreignField?: string } | undefined;
    if (lookup?.from && lookup.foreignField)
      found.push([lookup.from, formatShape({ eq: [lookup.foreignField], range: [], sort: [] })]);
  }
  return found;
}

const BULK_OPERATIONS = ['updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany'];

/** The shapes of one collection method call, as Mongoose's debug hook sees it. */
export function callShapes(collection: string, method: string, args: unknown[]): Found[] {
  const of = (filter: unknown, options?: unknown): Found[] =>
    shapesOf(filter, isPlainObject(options) ? options.sort : undefined).map((shape): Found => [collection, shape]);
  switch (method) {
    case 'find':
    case 'findOne':
    case 'countDocuments':
    case 'count':
    case 'deleteOne':
    case 'deleteMany':
    case 'findOneAndDelete':
      return of(args[0], args[1]);
    case 'updateOne':
    case 'updateMany':
    case 'replaceOne':
    case 'findOneAndUpdate':
    case 'findOneAndReplace':
      return of(args[0], args[2]);
    case 'distinct':
      return of(args[1]);
    case 'aggregate':
      return aggregateShapes(collection, args[0]);
    case 'bulkWrite':
      return (Array.isArray(args[0]) ? (args[0] as Record<string, unknown>[]) : []).flatMap((operation) => {
        const name = BULK_OPERATIONS.find((key) => operation[key]);
        return name ? of((operation[name] as { filter?: unknown }).filter) : [];
      });
    default:
      return [];
  }
}

mongoose.set('debug', function record(this: { conn?: object }, collection: string, method: string, ...args: unknown[]) {
  if (this.conn && ignored.has(this.conn)) return;
  for (const [name, shape] of callShapes(collection, method, args)) {
    const shapes = seen.get(name) ?? new Set<string>();
    shapes.add(shape);
    seen.set(name, shapes);
  }
});

/** The file as Prettier writes it (a list on one line when it fits in 120 columns), so a regenerated file passes its check. */
function formatShapeFile(file: ShapeFile): string {
  const entries = Object.entries(file).map(([collection, shapes], i, all) => {
    const comma = i < all.length - 1 ? ',' : '';
    const line = `  ${JSON.stringify(collection)}: [${shapes.map((shape) => JSON.stringify(shape)).join(', ')}]${comma}`;
    if (line.length <= 120) return line;
    const items = shapes.map((shape, j) => `    ${JSON.stringify(shape)}${j < shapes.length - 1 ? ',' : ''}`);
    return [`  ${JSON.stringify(collection)}: [`, ...items, `  ]${comma}`].join('\n');
  });
  return `{\n${entries.join('\n')}\n}\n`;
}

/**
 * Called when a test app closes: with RECORD_QUERY_SHAPES=1 adds the shapes seen so far to
 * test/query-shapes.json, else fails on any shape the file does not list.
 */
export function checkQueryShapes(): void {
  const known = readShapeFile();
  if (recording) {
    for (const [collection, shapes] of seen)
      known[collection] = [...new Set([...(known[collection] ?? []), ...shapes])].sort();
    const sorted = Object.fromEntries(Object.entries(known).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(QUERY_SHAPES_FILE, formatShapeFile(sorted));
    return;
  }
  const unknown: string[] = [];
  for (const [collection, shapes] of seen)
    for (const shape of shapes) {
      const key = `${collection}: ${shape}`;
      if (known[collection]?.includes(shape) || reported.has(key)) continue;
      reported.add(key);
      unknown.push(`new query shape "${shape}" on collection ${collection}`);
    }
  if (unknown.length)
    throw new Error(
      `${unknown.join('\n')}\nAdd the shape to test/query-shapes.json (RECORD_QUERY_SHAPES=1 npx jest <this file> writes it) ` +
        'and make sure a declared index serves it (test/e2e/query-indexes.e2e-spec.ts checks).',
    );
}
