/** autocannon runs and what the REST benchmark reads from them. */
import autocannon from 'autocannon';

export interface Measured {
  /** Answers per second in the window (all statuses; `failed` says how many were not 2xx). */
  rps: number;
  /** 2xx answers per second. */
  okRps: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
  /** Non-2xx answers in the window, plus connection errors and timeouts of the whole run. */
  failed: number;
  /** Mean answer size in bytes (headers and body). */
  bytes: number;
  /** Answers of the whole run, warm-up included (what the server's CPU time of the run is divided by). */
  answered: number;
}

export interface Load {
  url: string;
  connections: number;
  headers?: Record<string, string>;
  /** Several request shapes, taken in turn by every connection (see `rotate`). */
  requests?: autocannon.Request[];
  /** A fixed rate for all connections together (open loop; latencies corrected for coordinated omission). */
  overallRate?: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

/**
 * Saturation: one autocannon run of `warmUp + seconds`, reading only the answers received in the
 * last `seconds`. Not a warm-up run followed by a measured one: the requests a first run leaves
 * in flight are abandoned by autocannon but not by the server, which would still be working
 * through them (seconds of queue for a slow request at 50 connections) during the measured run.
 */
export async function saturate(load: Load, warmUp: number, seconds: number): Promise<Measured> {
  const from = Date.now() + warmUp * 1000;
  const to = from + seconds * 1000;
  const latencies: number[] = [];
  let ok = 0;
  let bytes = 0;
  let answered = 0;
  const instance = autocannon({ ...load, duration: warmUp + seconds, timeout: 60 });
  instance.on('response', (_client, statusCode, resBytes, responseTime) => {
    answered += 1;
    const now = Date.now();
    if (now < from || now >= to) return;
    latencies.push(responseTime);
    bytes += resBytes;
    if (statusCode >= 200 && statusCode < 300) ok += 1;
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / seconds,
    okRps: ok / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    failed: latencies.length - ok + result.errors + result.timeouts,
    bytes: latencies.length > 0 ? bytes / latencies.length : 0,
    answered,
  };
}

/** A fixed-rate run (`load.overallRate`) of `seconds`, after a warm-up run of `warmUp` (cheap requests only). */
export async function probe(load: Load, warmUp: number, seconds: number): Promise<Measured> {
  await autocannon({ ...load, duration: warmUp, timeout: 60 });
  const result = await autocannon({ ...load, duration: seconds, timeout: 60 });
  const total = result.requests.total;
  const ok = Object.entries(result.statusCodeStats)
    .filter(([status]) => status.startsWith('2'))
    .reduce((sum, [, stats]) => sum + stats.count, 0);
  return {
    rps: total / result.duration,
    okRps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    bytes: total > 0 ? result.throughput.total / total : 0,
    answered: total,
  };
}

/** A request whose body is the next of `bodies` on every send, whichever connection sends it. */
export function rotate(method: string, path: string, headers: Record<string, string>, bodies: string[]) {
  let next = 0;
  return {
    method,
    path,
    headers,
    setupRequest: (request: autocannon.RawRequest) => {
      const body = bodies[next % bodies.length];
      next += 1;
      return { ...request, body };
    },
  };
}
