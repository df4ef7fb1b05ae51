/**
 * REST benchmark: the production build on the embedded database (helmet, CORS, request ids, the
 * envelope, metrics and the rate limiter on, as in production; only the limits raised so the run
 * is not refused) against bare baselines started in the same run, all on 127.0.0.1:
 * - `GET /api/health/live` against a bare Fastify route answering the same bytes (bare-fastify.ts);
 * - authenticated `GET /api/auth/profile`, `/api/calls/active` and `/api/calls/history` against
 *   bare Fastify and the MongoDB driver issuing the same queries on the same database
 *   (bare-driver.ts);
 * - a login storm: the storm's users log in continuously while `GET /api/health/live` is probed
 *   at a fixed rate; its p99, and the login rate against bcrypt's rate alone (bcrypt-rate.ts).
 * Servers on core 0, this process (autocannon) on core 1; product and baseline alternate; each
 * run is a warm-up then a measured window. Not part of CI: `npm run bench:rest`; results go to
 * docs/benchmarks.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Load, Measured, probe, rotate, saturate } from './load';
import { PASSWORD, seed } from './seed';
import * as srv from '../signalling/servers';
import { fmt, median, out, pairedRatios, positiveInt, projectRoot, spread } from '../support';

/** The shortest measured window of a REST run, seconds (see `windowFor`). */
const DURATION_S = positiveInt('BENCH_DURATION', 5);
/** The longest: a slow request's window grows up to this. */
const MAX_DURATION_S = positiveInt('BENCH_MAX_DURATION', 6 * DURATION_S);
const WARM_UP_S = positiveInt('BENCH_WARM_UP', 1);
const REPEATS = positiveInt('BENCH_REPEATS', 5);
const CONNECTIONS = positiveInt('BENCH_CONNECTIONS', 50);
const STORM_USERS = positiveInt('BENCH_STORM_USERS', 50);
/** The login storm's window: longer than the others, since a login costs a bcrypt comparison (~0.25 s of a core). */
const STORM_S = positiveInt('BENCH_STORM_DURATION', 10);
/** Requests per second of the health probe during the login storm (a fixed rate, not saturation). */
const PROBE_RATE = positiveInt('BENCH_PROBE_RATE', 100);
/** The thread pool of the product and of the bcrypt reference alike (libuv's default is 4). */
const THREADPOOL = positiveInt('UV_THREADPOOL_SIZE', 4);
const HOSTED_ENDED = 20;
const JOINED_ENDED = 10;
/** The product's default CORS origin: every request carries it, as a browser's would. */
const ORIGIN = 'http://localhost:3000';
/** Every rate limit, raised so that the limiter still runs on every request but never refuses. */
const NO_LIMIT = '1000000000';

const check = (ok: boolean) => (ok ? 'met' : 'missed');
/**
 * `product / reference` against a target: the median (min–max) of the repetitions' own ratios
 * (pairedRatios); no verdict when no repetition had answers on both sides.
 */
const pairedVersus = (product: number[], reference: number[], target: number) => {
  const ratios = pairedRatios(product, reference).filter((r) => Number.isFinite(r) && r > 0);
  if (ratios.length === 0) return `— | ≥ ${target}×: not measured (no answers)`;
  return `${spread(ratios, 2)}× | ≥ ${target}×: ${check(median(ratios) >= target)}`;
};

interface Side {
  server: srv.Server;
  load: Load;
  runs: (Measured & { rssMb: number; cpuUs: number })[];
}

interface Scenario {
  name: string;
  target: number;
  /** The measured window of both sides' runs, seconds. */
  seconds: number;
  product: Side;
  baseline: Side;
}

/**
 * A run at saturation, then the server's RSS; then one more request, answered once the server has
 * worked through those autocannon left in flight (so they do not weigh on the next run, which may
 * be the other side's on the same database).
 */
async function run(side: Side, seconds: number): Promise<Measured & { rssMb: number; cpuUs: number }> {
  const pid = side.server.child.pid ?? 0;
  const cpuBefore = srv.cpuMicros(pid);
  const measured = await saturate(side.load, WARM_UP_S, seconds);
  const cpuUs = measured.answered > 0 ? (srv.cpuMicros(pid) - cpuBefore) / measured.answered : 0;
  const result = { ...measured, rssMb: srv.rssKb(pid) / 1024, cpuUs };
  warnIfFew(side.load.url, measured, seconds, 2 * CONNECTIONS);
  side.runs.push(result);
  await fetch(side.load.url, { headers: side.load.headers });
  return result;
}

/** The median time of 3 requests alone, after a first one that must answer 200. */
async function timeAlone(scenario: string, side: Side): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 4; i += 1) {
    const began = performance.now();
    const res = await fetch(side.load.url, { headers: side.load.headers });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${scenario} (${side.server.name}): ${res.status} ${body.slice(0, 300)}`);
    if (i > 0) times.push(performance.now() - began);
  }
  return median(times);
}

/**
 * A window long enough for ten waves of answers. At saturation the connections' requests are
 * answered in waves (all of them wait on the same database, so they finish together), about one
 * request's time alone × connections apart; a window of a few waves gives a rate off by one.
 */
function windowFor(aloneMs: number): number {
  return Math.min(MAX_DURATION_S, Math.max(DURATION_S, Math.ceil((10 * aloneMs * CONNECTIONS) / 1000)));
}

/** bcrypt comparisons per second alone, in a process on the server's core with the same thread pool. */
async function bcryptRate(script: string, root: string): Promise<number> {
  const args = [process.execPath, script];
  const child = spawn(srv.hasTaskset ? 'taskset' : args[0], srv.hasTaskset ? ['-c', '0', ...args] : args.slice(1), {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      UV_THREADPOOL_SIZE: String(THREADPOOL),
      // Enough to keep every thread of the pool busy; more would only queue.
      IN_FLIGHT: String(2 * THREADPOOL),
      WARM_UP_S: String(WARM_UP_S),
      DURATION_S: String(STORM_S),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bcrypt reference exited with ${code}: ${stderr}`);
  return (JSON.parse(stdout) as { rate: number }).rate;
}

async function main(): Promise<void> {
  const root = projectRoot();
  if (srv.hasTaskset) spawnSync('taskset', ['-pc', '1', String(process.pid)]);
  out(`REST benchmark — ${new Date().toISOString()}`);
  out(
    `autocannon -c ${CONNECTIONS}, ${WARM_UP_S} s warm-up + ${DURATION_S}–${MAX_DURATION_S} s per run, ${REPEATS} repetitions, ` +
      `UV_THREADPOOL_SIZE=${THREADPOOL}; servers on core 0, load generator on core 1` +
      (srv.hasTaskset ? '' : ' (taskset missing: not pinned)'),
  );
  out('Product: NODE_ENV=production, LOG_LEVEL=warn, every THROTTLE_*_LIMIT raised to 10^9 (the limiter still runs).');

  const dataDir = mkdtempSync(join(tmpdir(), 'bench-rest-'));
  const started: srv.Server[] = [];
  try {
    const dbPort = await srv.freePort();
    const port = await srv.freePort();
    const env = {
      ...srv.productEnv(port, dataDir, srv.randomSecret(), dbPort),
      UV_THREADPOOL_SIZE: String(THREADPOOL),
      THROTTLE_AUTH_LIMIT: NO_LIMIT,
      THROTTLE_DEFAULT_LIMIT: NO_LIMIT,
      THROTTLE_ADMIN_LIMIT: NO_LIMIT,
      THROTTLE_SEARCH_LIMIT: NO_LIMIT,
    };
    const product = await srv.startServer('product', srv.productScript(root), env, port, '/api/health/live', root);
    started.push(product);
    const base = `http://127.0.0.1:${port}`;
    const began = Date.now();
    const seeded = await seed(base, HOSTED_ENDED, JOINED_ENDED, STORM_USERS);
    out(
      `seeded through the API in ${((Date.now() - began) / 1000).toFixed(1)} s: a user with ${seeded.ended} ended ` +
        `and ${seeded.active} active calls, ${seeded.stormUsers.length} login-storm users`,
    );
    const healthBody = await (await fetch(`${base}/api/health/live`)).text();

    const barePort = await srv.freePort();
    const bare = await srv.startServer(
      'bare Fastify',
      join(__dirname, 'bare-fastify.js'),
      { PORT: String(barePort), BODY: healthBody },
      barePort,
      '/api/health/live',
      root,
    );
    started.push(bare);
    const driverPort = await srv.freePort();
    const driver = await srv.startServer(
      'bare Fastify + driver',
      join(__dirname, 'bare-driver.js'),
      { PORT: String(driverPort), DB_URI: `mongodb://127.0.0.1:${dbPort}/video_call` },
      driverPort,
      '/api/health/live',
      root,
    );
    started.push(driver);

    const productAuth = { origin: ORIGIN, authorization: `Bearer ${seeded.user.token}` };
    const driverAuth = { origin: ORIGIN, 'x-user-id': seeded.user.id };
    const side = (server: srv.Server, path: string, headers: Record<string, string>): Side => ({
      server,
      load: { url: `http://127.0.0.1:${server.port}${path}`, connections: CONNECTIONS, headers },
      runs: [],
    });
    const scenarios: Scenario[] = [
      {
        name: 'GET /api/health/live vs bare Fastify',
        target: 0.6,
        seconds: DURATION_S,
        product: side(product, '/api/health/live', { origin: ORIGIN }),
        baseline: side(bare, '/api/health/live', { origin: ORIGIN }),
      },
      ...['/api/auth/profile', '/api/calls/active', '/api/calls/history'].map((path) => ({
        name: `GET ${path} vs Fastify + driver`,
        target: 0.5,
        seconds: DURATION_S,
        product: side(product, path, productAuth),
        baseline: side(driver, path, driverAuth),
      })),
    ];

    for (const scenario of scenarios) {
      const alone = Math.max(
        await timeAlone(scenario.name, scenario.product),
        await timeAlone(scenario.name, scenario.baseline),
      );
      scenario.seconds = windowFor(alone);
      out(`${scenario.name}: ${fmt(alone, 1)} ms alone (the slower side), ${scenario.seconds} s windows`);
    }

    for (let rep = 0; rep < REPEATS; rep += 1) {
      for (const scenario of scenarios) {
        const sides = rep % 2 === 0 ? [scenario.product, scenario.baseline] : [scenario.baseline, scenario.product];
        for (const s of sides) await run(s, scenario.seconds);
        const [p, b] = [scenario.product.runs[rep], scenario.baseline.runs[rep]];
        out(
          `rep ${rep + 1} ${scenario.name}: product ${fmt(p.rps)}/s p99 ${fmt(p.p99, 1)} ms ${fmt(p.cpuUs)} µs CPU${failures(p)}, ` +
            `baseline ${fmt(b.rps)}/s p99 ${fmt(b.p99, 1)} ms ${fmt(b.cpuUs)} µs CPU${failures(b)}`,
        );
      }
    }

    // The login storm: nothing else loads the product meanwhile.
    for (const server of started.splice(1)) await srv.stopServer(server); // the baselines
    const bodies = seeded.stormUsers.map((u) => JSON.stringify({ email: u.email, password: PASSWORD }));
    const logins: Load = {
      url: base,
      connections: CONNECTIONS,
      requests: [rotate('POST', '/api/auth/login', { origin: ORIGIN, 'content-type': 'application/json' }, bodies)],
    };
    const healthProbe: Load = {
      url: `${base}/api/health/live`,
      connections: 10,
      overallRate: PROBE_RATE,
      headers: { origin: ORIGIN },
    };
    const storm: Storm = { logins: [], probe: [], bcrypt: [] };
    const bcryptScript = join(__dirname, 'bcrypt-rate.js');
    for (let rep = 0; rep < REPEATS; rep += 1) {
      const stormRun = async () => {
        const [l, h] = await Promise.all([
          saturate(logins, WARM_UP_S, STORM_S),
          probe(healthProbe, WARM_UP_S, STORM_S),
        ]);
        storm.logins.push(l);
        warnIfFew('login storm', l, STORM_S, 20);
        storm.probe.push(h);
        // Answered once the logins left in the server's queue are done (the thread pool is first in, first out).
        await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: bodies[0],
        });
      };
      const bcryptRun = async () => void storm.bcrypt.push(await bcryptRate(bcryptScript, root));
      for (const step of rep % 2 === 0 ? [bcryptRun, stormRun] : [stormRun, bcryptRun]) await step();
      const [l, h] = [storm.logins[rep], storm.probe[rep]];
      out(
        `rep ${rep + 1} login storm: ${fmt(l.okRps, 1)} logins/s${failures(l)} (bcrypt alone ${fmt(storm.bcrypt[rep], 1)}/s), ` +
          `health p99 ${fmt(h.p99, 1)} ms at ${PROBE_RATE}/s${failures(h)}`,
      );
    }
    report(scenarios, storm);
  } finally {
    // SIGTERM first: the product stops its embedded database on the way out.
    for (const server of started) await srv.stopServer(server);
    srv.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * At saturation the connections' requests are answered in waves at first; a window that holds
 * too few answers (a slow request, a busy machine) gives a rate off by a whole wave.
 */
function warnIfFew(what: string, m: Measured, seconds: number, least: number): void {
  const answers = Math.round(m.rps * seconds);
  if (answers < least) out(`  warning: ${what}: only ${answers} answers in the window; lengthen the window`);
}

const failures = (m: Measured) => (m.failed > 0 ? ` (${fmt(m.failed)} failed)` : '');

interface Storm {
  logins: Measured[];
  probe: Measured[];
  bcrypt: number[];
}

function report(scenarios: Scenario[], storm: Storm): void {
  const of = (s: Side, key: 'rps' | 'p50' | 'p99' | 'rssMb' | 'bytes' | 'failed' | 'cpuUs') =>
    s.runs.map((r) => r[key]);
  const latency = (s: Side) => `${fmt(median(of(s, 'p50')), 1)} / ${fmt(median(of(s, 'p99')), 1)}`;
  out();
  out(
    `Median (min–max) of ${REPEATS} runs; ratios: the median (min–max) of each repetition's own ratio, its two runs ` +
      "made back to back; latencies in ms, RSS of the server process in MB; CPU: the server process's " +
      'CPU time per answer in µs (warm-up included; without the embedded database, a process of its own), ' +
      'and the baseline’s over the product’s, the same ratio by CPU (the load generator’s core can cap req/s first)',
  );
  out();
  out(
    '| Scenario | Window s | Product req/s | Baseline req/s | Ratio | Target | CPU µs product / baseline | Ratio by CPU | Product p50 / p99 | Baseline p50 / p99 | RSS product / baseline | Bytes per response |',
  );
  out('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of scenarios) {
    const failed = [...of(s.product, 'failed'), ...of(s.baseline, 'failed')].reduce((a, b) => a + b, 0);
    out(
      `| ${s.name}${failed > 0 ? ` (${fmt(failed)} failed)` : ''} | ${s.seconds} | ${spread(of(s.product, 'rps'))} | ${spread(of(s.baseline, 'rps'))} | ` +
        `${pairedVersus(of(s.product, 'rps'), of(s.baseline, 'rps'), s.target)} | ` +
        `${fmt(median(of(s.product, 'cpuUs')))} / ${fmt(median(of(s.baseline, 'cpuUs')))} | ` +
        `${spread(pairedRatios(of(s.baseline, 'cpuUs'), of(s.product, 'cpuUs')), 2)}× | ` +
        `${latency(s.product)} | ${latency(s.baseline)} | ` +
        `${fmt(median(of(s.product, 'rssMb')))} / ${fmt(median(of(s.baseline, 'rssMb')))} | ` +
        `${fmt(median(of(s.product, 'bytes')))} / ${fmt(median(of(s.baseline, 'bytes')))} |`,
    );
  }
  const loginRates = storm.logins.map((m) => m.okRps);
  const p99s = storm.probe.map((m) => m.p99);
  const stormFailed = [...storm.logins, ...storm.probe].reduce((sum, m) => sum + m.failed, 0);
  out();
  out(
    `Login storm: ${STORM_USERS} users, ${CONNECTIONS} connections logging in, ${STORM_S} s windows; ` +
      `GET /api/health/live probed at ${PROBE_RATE}/s over 10 connections; bcrypt alone with ${2 * THREADPOOL} ` +
      `comparisons in flight${stormFailed > 0 ? `; ${fmt(stormFailed)} requests failed` : ''}`,
  );
  out();
  out('| Measure | Product | Reference | Ratio | Target |');
  out('| --- | ---: | ---: | ---: | --- |');
  out(
    `| Logins/s vs bcrypt.compare/s alone | ${spread(loginRates, 1)} | ${spread(storm.bcrypt, 1)} | ` +
      `${pairedVersus(loginRates, storm.bcrypt, 0.8)} |`,
  );
  out(
    `| GET /api/health/live p99 during the storm (ms) | ${spread(p99s, 1)} | | | < 25 ms: ${check(median(p99s) < 25)} |`,
  );
}

main().catch((error: Error) => {
  srv.stopAll();
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
