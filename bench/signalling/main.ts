/**
 * Signalling benchmark: the production build on the embedded database against a bare Socket.IO
 * relay (bare-relay.ts), in the same run on the same machine, all on 127.0.0.1. Measures
 * deliveries per second at saturation, p50/p99 delivery latency at half the bare relay's
 * saturation rate, and RSS per idle authenticated socket. Results: docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, connectAll, disconnectAll, fixedLoad, percentile, saturation, Tally } from './load';
import { BenchUser, seedProduct } from './seed';
import * as srv from './servers';
import { fmt, median, out, pairedRatios, positiveInt, projectRoot, spread } from '../support';

const SOCKETS = positiveInt('BENCH_SOCKETS', 1000);
const REPS = positiveInt('BENCH_REPS', 3);
const WINDOW_MS = positiveInt('BENCH_WINDOW_S', 5) * 1000;
const IDLE = positiveInt('BENCH_IDLE_SOCKETS', 10_000);
const SETTLE_MS = 5000;
/**
 * How long the idle sockets stay connected before the settled RSS is read. Connecting them leaves
 * garbage (handshakes, token checks, database replies) that V8 returns to the system only once the
 * process has been idle for a while, so RSS is read twice: 5 s after the last connection and after
 * this long (the target is checked on the settled figure).
 */
const IDLE_MS = positiveInt('BENCH_IDLE_WAIT_S', 60) * 1000;
/** A folder for V8 CPU profiles of the product's load phase (`--cpu-prof`), or unset. */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR;

async function startProduct(
  root: string,
  dataDir: string,
  secret: string,
  dbPort: number,
  profile = false,
): Promise<srv.Server> {
  const port = await srv.freePort();
  const env = srv.productEnv(port, dataDir, secret, dbPort);
  const nodeArgs = profile && CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [];
  return srv.startServer('product', srv.productScript(root), env, port, '/api/health/live', root, nodeArgs);
}

async function startBare(root: string): Promise<srv.Server> {
  const port = await srv.freePort();
  return srv.startServer('bare relay', srv.bareScript(), { PORT: String(port) }, port, '/', root);
}

async function main(): Promise<void> {
  const root = projectRoot();
  if (srv.hasTaskset) spawnSync('taskset', ['-pc', '1', String(process.pid)]);
  const started = new Date();
  out(`Signalling benchmark — ${started.toISOString()}`);
  out(
    `${SOCKETS} sockets in calls of 4, ${REPS} repetitions, ${WINDOW_MS / 1000} s windows, ${IDLE} idle sockets; ` +
      `servers on core 0, load generator on core 1${srv.hasTaskset ? '' : ' (taskset missing: not pinned)'}`,
  );
  if (SOCKETS < 1000 || IDLE < 10_000)
    out('Scaled down from the full run (1,000 sockets in calls, 10,000 idle sockets).');
  out(
    'Product run with SOCKET_EVENT_RATE=100000 and SOCKET_EVENT_BURST=100000 (per-socket event limit raised for the run).',
  );

  const dataDir = mkdtempSync(join(tmpdir(), 'bench-signalling-'));
  const secret = srv.randomSecret();
  try {
    const dbPort = await srv.freePort();
    let product = await startProduct(root, dataDir, secret, dbPort, true);
    const dbUri = `mongodb://127.0.0.1:${dbPort}/video_call`;
    // Only the callers at first: join-room reads whole collections on the embedded database, so
    // the idle users are added after the load phase.
    const users = await seedProduct(dbUri, secret, SOCKETS, SOCKETS);
    out(`seeded ${users.length} users, ${SOCKETS / 4} active calls of 4`);
    let bare = await startBare(root);
    const callers = users.slice(0, SOCKETS);
    const productTally = new Tally();
    const bareTally = new Tally();
    const productClients = await connectAll(`http://127.0.0.1:${product.port}`, callers, productTally, false);
    const bareClients = await connectAll(`http://127.0.0.1:${bare.port}`, callers, bareTally, true);
    out(`connected ${productClients.length} + ${bareClients.length} sockets, every one in its call room`);

    const sat = { product: [] as number[], bare: [] as number[] };
    const lat = { product: [] as number[][], bare: [] as number[][] };
    const loads: number[] = [];
    const sides: [keyof typeof sat, Client[], Tally][] = [
      ['product', productClients, productTally],
      ['bare', bareClients, bareTally],
    ];
    for (let rep = 0; rep < REPS; rep += 1) {
      const order = rep % 2 === 0 ? sides : [...sides].reverse();
      for (const [name, clients, tally] of order) sat[name].push(await saturation(clients, tally, WINDOW_MS));
      const load = sat.bare[rep] / 2;
      loads.push(load);
      for (const [name, clients, tally] of order) lat[name].push(await fixedLoad(clients, tally, load, WINDOW_MS));
      out(
        `rep ${rep + 1}: saturation product ${fmt(sat.product[rep])}/s, bare ${fmt(sat.bare[rep])}/s; at ${fmt(load)}/s ` +
          `p99 product ${fmt(percentile(lat.product[rep], 99), 2)} ms, bare ${fmt(percentile(lat.bare[rep], 99), 2)} ms`,
      );
    }
    disconnectAll(productClients);
    disconnectAll(bareClients);
    if (IDLE > users.length) users.push(...(await seedProduct(dbUri, secret, IDLE - users.length, 0)));
    await srv.stopServer(product);
    await srv.stopServer(bare);

    const rss = { product: [] as number[], bare: [] as number[] };
    const early = { product: [] as number[], bare: [] as number[] };
    const idleUsers = users.slice(0, IDLE);
    for (let rep = 0; rep < REPS; rep += 1) {
      product = await startProduct(root, dataDir, secret, await srv.freePort());
      const productRss = await perSocket(product, idleUsers, false);
      early.product.push(productRss.early);
      rss.product.push(productRss.settled);
      await srv.stopServer(product);
      bare = await startBare(root);
      const bareRss = await perSocket(bare, idleUsers, true);
      early.bare.push(bareRss.early);
      rss.bare.push(bareRss.settled);
      await srv.stopServer(bare);
      out(
        `rep ${rep + 1}: RSS per idle socket after 5 s / ${IDLE_MS / 1000} s: product ${fmt(early.product[rep], 1)} / ` +
          `${fmt(rss.product[rep], 1)} kB, bare ${fmt(early.bare[rep], 1)} / ${fmt(rss.bare[rep], 1)} kB`,
      );
    }
    report(sat, lat, loads, early, rss);
  } finally {
    srv.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** (RSS with `users` idle authenticated sockets − RSS with none) / sockets, in kB: 5 s after connecting, and settled. */
async function perSocket(
  server: srv.Server,
  users: BenchUser[],
  bare: boolean,
): Promise<{ early: number; settled: number }> {
  const pid = server.child.pid ?? 0;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const before = srv.rssKb(pid);
  const idle = users.map((user) => ({ id: user.id, token: user.token }));
  const clients = await connectAll(`http://127.0.0.1:${server.port}`, idle, new Tally(), bare, 50);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const early = srv.rssKb(pid);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, IDLE_MS - SETTLE_MS)));
  const settled = srv.rssKb(pid);
  disconnectAll(clients);
  return { early: (early - before) / clients.length, settled: (settled - before) / clients.length };
}

function report(
  sat: Record<'product' | 'bare', number[]>,
  lat: Record<'product' | 'bare', number[][]>,
  loads: number[],
  early: Record<'product' | 'bare', number[]>,
  rss: Record<'product' | 'bare', number[]>,
): void {
  const p = (side: 'product' | 'bare', q: number) => lat[side].map((run) => percentile(run, q));
  // Each repetition's own ratio, then their median and min–max (pairedRatios).
  const ratio = (a: number[], b: number[]) => `${spread(pairedRatios(a, b), 2)}×`;
  const check = (ok: boolean) => (ok ? 'met' : 'missed');
  const satRatio = median(pairedRatios(sat.product, sat.bare));
  const p99Ratio = median(pairedRatios(p('product', 99), p('bare', 99)));
  out();
  out(
    `Median (min–max) of ${REPS} runs; ratios: the median (min–max) of each repetition's own ratio; ` +
      `fixed load = half the bare relay's saturation rate (median ${fmt(median(loads))}/s)`,
  );
  out();
  out('| Measure | Product | Bare relay | Ratio | Target |');
  out('| --- | ---: | ---: | ---: | --- |');
  out(
    `| Deliveries/s at saturation | ${spread(sat.product)} | ${spread(sat.bare)} | ${ratio(sat.product, sat.bare)} | ≥ 0.8×: ${check(satRatio >= 0.8)} |`,
  );
  out(
    `| p50 latency at fixed load (ms) | ${spread(p('product', 50), 2)} | ${spread(p('bare', 50), 2)} | ${ratio(p('product', 50), p('bare', 50))} | |`,
  );
  out(
    `| p99 latency at fixed load (ms) | ${spread(p('product', 99), 2)} | ${spread(p('bare', 99), 2)} | ${ratio(p('product', 99), p('bare', 99))} | ≤ 2×: ${check(p99Ratio <= 2)} |`,
  );
  out(
    `| RSS per idle socket, ${IDLE} connected, 5 s after connecting (kB) | ${spread(early.product, 1)} | ${spread(early.bare, 1)} | ${ratio(early.product, early.bare)} | |`,
  );
  out(
    `| RSS per idle socket, ${IDLE} connected, ${IDLE_MS / 1000} s idle (kB) | ${spread(rss.product, 1)} | ${spread(rss.bare, 1)} | ${ratio(rss.product, rss.bare)} | ≤ 25 kB: ${check(median(rss.product) <= 25)} |`,
  );
}

main().catch((error: Error) => {
  srv.stopAll();
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
