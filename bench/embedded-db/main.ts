/**
 * Range benchmark of the embedded database (FerretDB v1 on SQLite behind tools/embedded-db):
 * seeds 1,000 / 10,000 / 50,000 users with proportional contacts, calls, participants and chat
 * messages, and measures the product's hot queries (p50 / p95). With MONGODB_URI set, the same
 * runs on that MongoDB too, side by side. See README.md in this folder.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mongoose from 'mongoose';
import { startEmbeddedDb } from '../../apps/api/src/core/database/embedded-db';
import { random, seed } from './dataset';
import { measure, Measurement, MeasureOptions, QUERIES } from './queries';
import {
  interpretation,
  latencyTable,
  ms,
  Results,
  SeedFigures,
  seedTable,
  shapesList,
  sizeLabel,
  THRESHOLD_MS,
} from './report';
import { out, positiveInt } from '../support';

const DEFAULT_SIZES = [1_000, 10_000, 50_000];

function sizesFromEnv(): number[] {
  const raw = process.env.BENCH_SIZES;
  if (!raw) return DEFAULT_SIZES;
  const sizes = raw.split(',').map((part) => Number(part.trim().replace(/_/g, '')));
  if (sizes.some((size) => !Number.isInteger(size) || size < 2)) {
    throw new Error(`BENCH_SIZES must be a comma-separated list of user counts (at least 2), got "${raw}"`);
  }
  return sizes;
}

/** The project's bench/embedded-db folder, found from this file (source or dist). */
function benchFolder(): string | undefined {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench', 'embedded-db'))) {
      return join(dir, 'bench', 'embedded-db');
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Why the figures grow with the data: how FerretDB v1.24.2 (SQLite) runs a query, checked in its sources. */
const WHY = [
  'Why: FerretDB v1.24.2 on SQLite hands SQLite a filter only when it is exactly `{ _id: <string or ObjectId> }`;',
  'every other query reads every document of the collection, decodes it and filters and sorts in Go, so the',
  'indexes declared here are enforced (unique) but never used to find documents. For the `{ _id }` case FerretDB',
  'queries `_ferretdb_sjson->\'$._id\' = ?` while its own `_id_` index is on `_ferretdb_sjson->"_id"`, which SQLite',
  'does not use for a different expression; tools/embedded-db adds an index on the exact expression, so lookups by',
  '`_id` stay flat as the data grows (switch it off with EMBEDDED_DB_ID_INDEX=off to see the scan). A `$in` on',
  '`_id` is not pushed down at all. MongoDB answers all of these queries from an index.',
].join(' ');

const repetitionRule = (o: MeasureOptions): string =>
  `up to ${o.repetitions} timed runs, stopping after ${o.budgetMs / 1000} s once it has ${o.minRepetitions} ` +
  `(slow queries: after ${o.capMs / 1000} s once it has ${o.floorRepetitions})`;

interface Target {
  name: string;
  results: Results;
  seeds: SeedFigures[];
}

/** Seeds one size into `db` and measures every hot query on it. */
async function runSize(target: Target, db: mongoose.mongo.Db, size: number, options: MeasureOptions): Promise<void> {
  out(`\n[${target.name}] ${sizeLabel(size)} users: seeding…`);
  const data = await seed(db, size, (line) => out(`[${target.name}]   ${line}`));
  const documents = Object.values(data.counts).reduce((a, b) => a + b, 0);
  target.seeds.push({ size, documents, counts: data.counts, seedMs: data.seedMs });
  out(
    `[${target.name}]   seeded ${documents.toLocaleString('en-US')} documents in ${(data.seedMs / 1000).toFixed(1)} s ` +
      `(${Math.round(documents / (data.seedMs / 1000)).toLocaleString('en-US')} docs/s): ` +
      Object.entries(data.counts)
        .map(([name, count]) => `${name} ${count.toLocaleString('en-US')}`)
        .join(', '),
  );
  const perQuery = new Map<string, Measurement>();
  target.results.set(size, perQuery);
  for (const query of QUERIES) {
    const started = performance.now();
    const m = await measure(query, db, data, random(size + query.key.length), options);
    perQuery.set(query.key, m);
    out(
      `[${target.name}]   ${query.label.padEnd(36)} p50 ${ms(m.p50).padStart(7)} ms  p95 ${ms(m.p95).padStart(7)} ms` +
        `  (${m.samples} runs, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
}

async function benchEmbedded(target: Target, sizes: number[], options: MeasureOptions): Promise<void> {
  for (const size of sizes) {
    const dataDir = mkdtempSync(join(tmpdir(), 'vc-bench-db-'));
    const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
    process.once('exit', removeDataDir);
    const embedded = await startEmbeddedDb({
      dataDir,
      port: 0,
      log: {
        info: (line) => out(line),
        // FerretDB dumps every error reply at warn level (e.g. `endSessions`, which it lacks, on disconnect).
        warn: (line) => {
          if (!/level=WARN msg="Response (header|message)/.test(line)) process.stderr.write(`${line}\n`);
        },
      },
    });
    try {
      const connection = await mongoose.createConnection(embedded.uri, { dbName: 'bench' }).asPromise();
      try {
        await runSize(target, connection.db!, size, options);
      } finally {
        await connection.close();
      }
    } finally {
      await embedded.stop();
      removeDataDir();
      process.removeListener('exit', removeDataDir);
    }
  }
}

async function benchMongo(target: Target, uri: string, sizes: number[], options: MeasureOptions): Promise<void> {
  const stamp = Date.now();
  for (const size of sizes) {
    const connection = await mongoose.createConnection(uri, { dbName: `bench_${stamp}_${size}` }).asPromise();
    try {
      await connection.db!.dropDatabase();
      await runSize(target, connection.db!, size, options);
    } finally {
      await connection.db!.dropDatabase();
      await connection.close();
    }
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const started = performance.now();
  const sizes = sizesFromEnv();
  const options: MeasureOptions = {
    repetitions: positiveInt('BENCH_REPETITIONS', 200),
    minRepetitions: 20,
    budgetMs: positiveInt('BENCH_BUDGET_MS', 8_000),
    capMs: 30_000,
    floorRepetitions: 5,
    warmUp: 5,
  };
  options.minRepetitions = Math.min(options.minRepetitions, options.repetitions);
  options.floorRepetitions = Math.min(options.floorRepetitions, options.minRepetitions);
  options.capMs = Math.max(options.capMs, options.budgetMs);
  const mongoUri = process.env.MONGODB_URI || undefined;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`;

  out(`Embedded database range benchmark: ${sizes.map(sizeLabel).join(' / ')} users`);
  out(`${machine}, Node ${process.version}${mongoUri ? ', with MongoDB from MONGODB_URI' : ''}`);
  out(`Each query: up to ${options.warmUp} warm-up runs, then ${repetitionRule(options)}; one client, sequential.`);

  const embedded: Target = { name: 'embedded', results: new Map(), seeds: [] };
  await benchEmbedded(embedded, sizes, options);
  let mongo: Target | undefined;
  if (mongoUri) {
    mongo = { name: 'MongoDB', results: new Map(), seeds: [] };
    await benchMongo(mongo, mongoUri, sizes, options);
  }
  const totalS = (performance.now() - started) / 1000;

  const table = latencyTable(QUERIES, sizes, embedded.results, mongo?.results);
  const seeds = [seedTable(embedded.seeds, 'embedded'), ...(mongo ? [seedTable(mongo.seeds, 'MongoDB')] : [])];
  const sentences = interpretation(QUERIES, sizes, embedded.results);

  out('\n## Latency (ms, p50 / p95)\n');
  out(table);
  out('\n## Seeding\n');
  out(seeds.join('\n\n'));
  out('\n## Queries\n');
  out(shapesList(QUERIES));
  out(`\n## Reading (threshold ${THRESHOLD_MS} ms p95, embedded database)\n`);
  out(sentences.map((s) => `- ${s}`).join('\n'));
  out(`\nTotal run time: ${(totalS / 60).toFixed(1)} min`);

  const resultsPath =
    process.env.BENCH_RESULTS ||
    (process.env.BENCH_SIZES ? undefined : ((folder) => folder && join(folder, 'RESULTS.md'))(benchFolder()));
  if (!resultsPath) {
    out('RESULTS.md not written (custom BENCH_SIZES; set BENCH_RESULTS=<path> to write one).');
    return;
  }
  const body = [
    '# Embedded database range benchmark: results',
    '',
    `Produced by \`npm run bench:embedded-db\` (bench/embedded-db/main.ts) on ${startedAt.toISOString().slice(0, 10)}.`,
    '',
    `- Machine: ${cpus().length} cores (nproc), ${cpus()[0]?.model ?? 'unknown CPU'}`,
    `- Node ${process.version}; embedded database: FerretDB v1.24.2 (SQLite) behind tools/embedded-db` +
      (mongoUri ? '; MongoDB from MONGODB_URI' : '; no MongoDB run (MONGODB_URI unset)'),
    `- Sizes: ${sizes.map(sizeLabel).join(' / ')} users; total run ${(totalS / 60).toFixed(1)} min`,
    `- Each query: up to ${options.warmUp} warm-up runs, then ${repetitionRule(options)}; ` +
      'one client, one request at a time (the run count per cell is in the log). ' +
      'Times are client-side round trips (driver → front → FerretDB → SQLite and back), including both steps of two-step queries.',
    '',
    '## Latency (ms, p50 / p95)',
    '',
    table,
    '',
    '## Reading',
    '',
    ...sentences.map((s) => `- ${s}`),
    '',
    WHY,
    '',
    '## Seeding',
    '',
    seeds.join('\n\n'),
    '',
    '## Queries',
    '',
    shapesList(QUERIES),
    '',
  ].join('\n');
  writeFileSync(resultsPath, body);
  out(`Results written to ${resultsPath}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
