/**
 * Admin dashboard and analytics benchmark: seeds 10,000 users and 100,000 calls (with their
 * participants) straight into an embedded database, rebuilds the rollups, and measures p50/p95 of
 * `GET /api/admin/dashboard` and a 90-day daily `GET /api/admin/analytics` (both read rollups by
 * `_id`), beside the list endpoints (which scan on the embedded database). The app runs in this
 * process, built by the same buildApp() as main.ts; requests go through Fastify's inject (the
 * whole HTTP pipeline, no socket). Not part of CI: `npm run bench:admin`.
 * BENCH_USERS, BENCH_CALLS and BENCH_RUNS scale it; BENCH_LISTS=off skips the scanning list rows
 * (minutes each at 100,000 calls); BENCH_HOUSEKEEPING=off stops the calls module's minute sweep
 * before measuring (to see how much of a request's time is that sweep's contention).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { performance } from 'node:perf_hooks';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import mongoose from 'mongoose';
import { buildApp } from '../../apps/api/src/configure-app';
import { loadConfig } from '../../apps/api/src/core/config/app-config';
import { startEmbeddedDb } from '../../apps/api/src/core/database/embedded-db';
import { createLogger } from '../../apps/api/src/core/logging/logger';
import { RollupRebuildService } from '../../apps/api/src/modules/admin/analytics/rollups/rollup-rebuild.service';
import { storageOf } from '../../apps/api/src/modules/admin/analytics/rollups/rollups.repository';
import { CallsHousekeeping } from '../../apps/api/src/modules/calls/calls.housekeeping';
import { seedAdminData } from './seed';
import { out, positiveInt, projectRoot } from '../support';

const USERS = positiveInt('BENCH_USERS', 10_000);
const CALLS = positiveInt('BENCH_CALLS', 100_000);
const RUNS = positiveInt('BENCH_RUNS', 200);
const LIST_RUNS = 5;
const WARM_UP = 10;
const TARGET_MS = 100;
const LISTS = process.env.BENCH_LISTS !== 'off';
const HOUSEKEEPING = process.env.BENCH_HOUSEKEEPING !== 'off';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

async function timed(app: NestFastifyApplication, url: string, token: string, runs: number, warmUp: number) {
  const headers = { authorization: `Bearer ${token}` };
  for (let i = 0; i < warmUp; i += 1) await app.inject({ url, headers });
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const began = performance.now();
    const res = await app.inject({ url, headers });
    times.push(performance.now() - began);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const m = { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), runs };
  out(`  ${url}: ${runs} runs, p50 ${fmt(m.p50)} ms, p95 ${fmt(m.p95)} ms`);
  return m;
}

async function timedCall(run: () => Promise<unknown>, runs: number, warmUp: number) {
  for (let i = 0; i < warmUp; i += 1) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const began = performance.now();
    await run();
    times.push(performance.now() - began);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), runs };
}

/** An admin: registered through the API (one bcrypt hash), promoted in the database, signed in again. */
async function adminToken(app: NestFastifyApplication, db: mongoose.mongo.Db): Promise<string> {
  const email = `bench.admin.${randomBytes(4).toString('hex')}@example.com`;
  const password = 'BenchPass123';
  const body = { firstName: 'Bench', lastName: 'Admin', email, password };
  const registered = await app.inject({ method: 'POST', url: '/api/auth/register', payload: body });
  if (registered.statusCode !== 201) throw new Error(`register: ${registered.statusCode} ${registered.body}`);
  await db.collection('users').updateOne({ email }, { $set: { role: 'admin' } });
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (login.statusCode !== 200) throw new Error(`login: ${login.statusCode} ${login.body}`);
  return (JSON.parse(login.body) as { data: { token: string } }).data.token;
}

const day = (date: Date) => date.toISOString().slice(0, 10);

async function main(): Promise<void> {
  const root = projectRoot();
  const dataDir = mkdtempSync(join(tmpdir(), 'vc-bench-admin-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  out(`Admin dashboard and analytics benchmark — ${new Date().toISOString()}`);
  out(`${cpus().length} cores; ${USERS.toLocaleString('en-US')} users, ${CALLS.toLocaleString('en-US')} calls`);
  const embedded = await startEmbeddedDb({
    dataDir,
    port: 0,
    log: { info: () => undefined, warn: () => undefined },
  });
  const uri = `${embedded.uri.replace(/\/?$/, '/')}bench_admin`;
  const connection = await mongoose.createConnection(uri).asPromise();
  let app: NestFastifyApplication | undefined;
  try {
    const db = connection.db!;
    const seeded = await seedAdminData(db, USERS, CALLS);
    out(
      `seeded ${seeded.users.toLocaleString('en-US')} users, ${seeded.calls.toLocaleString('en-US')} calls, ` +
        `${seeded.participants.toLocaleString('en-US')} participants in ${(seeded.ms / 1000).toFixed(1)} s`,
    );

    const env = parseEnv(readFileSync(join(root, '.env.example'), 'utf8')) as Record<string, string>;
    const config = loadConfig({
      ...env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      JWT_SECRET: randomBytes(32).toString('hex'),
      DATA_DIR: mkdtempSync(join(dataDir, 'app-')),
      MONGODB_URI: uri,
      THROTTLE_ADMIN_LIMIT: '1000000',
      REDIS_URL: '',
    });
    app = await buildApp(config, createLogger(config));
    const summary = await app.get(RollupRebuildService).rebuild();
    out(
      `rebuilt rollups in ${(summary.tookMs / 1000).toFixed(1)} s: ${summary.rollups.toLocaleString('en-US')} ` +
        `rollup documents, ${summary.callerMarkers.toLocaleString('en-US')} caller markers`,
    );
    const token = await adminToken(app, db);
    // The seeded calls bypassed the open-call register: the process's first sweep enters them (one
    // scan of calls), as it does within a minute of a deployment's start, so measuring starts after it.
    const housekeeping = app.get(CallsHousekeeping);
    const firstSweep = performance.now();
    await housekeeping.sweep();
    out(
      `first housekeeping sweep (entering the open calls) in ${((performance.now() - firstSweep) / 1000).toFixed(1)} s`,
    );
    if (!HOUSEKEEPING) housekeeping.onModuleDestroy();
    out(`measuring… (calls housekeeping ${HOUSEKEEPING ? 'on' : 'off'})`);
    const now = new Date();
    const from = new Date(now.getTime() - 89 * 24 * 3_600_000);
    const rows: [string, { p50: number; p95: number; runs: number }, boolean][] = [
      ['GET /api/admin/dashboard', await timed(app, '/api/admin/dashboard', token, RUNS, WARM_UP), true],
      [
        'GET /api/admin/analytics (90 days, daily)',
        await timed(
          app,
          `/api/admin/analytics?startDate=${day(from)}&endDate=${day(now)}&granularity=day`,
          token,
          RUNS,
          WARM_UP,
        ),
        true,
      ],
      [
        'GET /api/admin/analytics/calls?period=30d',
        await timed(app, '/api/admin/analytics/calls?period=30d', token, RUNS, WARM_UP),
        false,
      ],
    ];
    // The documents holding those 90 day buckets read straight through the driver: the database's
    // share of the analytics row.
    const dayIds = [
      ...new Set(
        Array.from(
          { length: 90 },
          (_, i) => storageOf(`day:${day(new Date(from.getTime() + i * 24 * 3_600_000))}`).doc,
        ),
      ),
    ];
    rows.push([
      `driver: the ${dayIds.length} rollup documents of 90 days by _id $in (no app)`,
      await timedCall(
        () =>
          db
            .collection('analytics_rollups')
            .find({ _id: { $in: dayIds } } as never)
            .toArray(),
        RUNS,
        WARM_UP,
      ),
      false,
    ]);
    for (const [label, url] of !LISTS
      ? []
      : [
          ['GET /api/admin/analytics/users?period=30d (scans)', '/api/admin/analytics/users?period=30d'],
          ['GET /api/admin/users?limit=20 (scans)', '/api/admin/users?limit=20'],
          ['GET /api/admin/calls?limit=20 (scans)', '/api/admin/calls?limit=20'],
        ]) {
      const probe = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
      if (probe.statusCode === 200) rows.push([label, await timed(app, url, token, LIST_RUNS, 1), false]);
      else out(`${label}: skipped (${probe.statusCode})`);
    }
    out();
    out('| Request | runs | p50 ms | p95 ms | target |');
    out('| --- | --: | --: | --: | --- |');
    for (const [label, m, targeted] of rows) {
      const verdict = targeted ? (m.p95 < TARGET_MS ? `< ${TARGET_MS} ms: met` : `< ${TARGET_MS} ms: MISSED`) : '';
      out(`| ${label} | ${m.runs} | ${fmt(m.p50)} | ${fmt(m.p95)} | ${verdict} |`);
    }
  } finally {
    await app?.close();
    await connection.close();
    await embedded.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
