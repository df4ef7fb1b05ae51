import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Logger } from 'pino';

/**
 * A full garbage collection once the process has gone quiet after its heap grew.
 *
 * A crowd of sockets connecting leaves the garbage of their handshakes in the old generation
 * (database round trips in flight at each young collection survive it), and V8 collects the old
 * generation only once it has grown to several times what its last full collection kept. V8's own
 * memory reducer, meant for this, waits for an allocation rate under about 1 MB/s, which a server
 * with thousands of sockets never has (their heartbeats alone are more). So an instance that took
 * 10,000 sockets kept about 30 kB of garbage per socket resident for as long as they stayed.
 * Tightening V8's heap growth for good instead made every full collection under signalling load
 * come sooner: a third less throughput. This collects once, when nothing much is running.
 */
export interface QuietCompactionPolicy {
  /** Seconds of quiet (event-loop utilization under `busyAbove`) before collecting. */
  quietSeconds: number;
  /** The heap must have grown this much within `windowSeconds` (and since the last collection here), in bytes. */
  minGrowthBytes: number;
  /**
   * How far back the growth is measured. A crowd of connections grows the heap by hundreds of
   * megabytes within a minute; the slow growth of steady traffic never reaches the threshold in
   * this window and is left to V8's own (incremental) collections.
   */
  windowSeconds: number;
  /** Event-loop utilization (0–1) over one tick above which the process is busy. */
  busyAbove: number;
}

export const DEFAULT_POLICY: Omit<QuietCompactionPolicy, 'quietSeconds'> = {
  minGrowthBytes: 64 * 1024 * 1024,
  windowSeconds: 120,
  busyAbove: 0.25,
};

/** One reading, taken once a second. */
export interface HeapSample {
  usedBytes: number;
  /** Event-loop utilization since the previous sample. */
  utilization: number;
}

/** The decision, kept apart from V8 and the clock (unit-tested). */
export class QuietCompaction {
  /**
   * The lowest heap of the previous and of the current half window (V8's own full collections
   * lower it too): their minimum is the baseline, the lowest of the last half to whole window.
   */
  private lows = [Infinity, Infinity];
  private ticksInHalf = 0;
  private quietTicks = 0;

  constructor(private readonly policy: QuietCompactionPolicy) {}

  /** Whether to collect now; one tick a second. */
  tick(sample: HeapSample): boolean {
    this.ticksInHalf += 1;
    if (this.ticksInHalf > this.policy.windowSeconds / 2) {
      this.lows = [this.lows[1], Infinity];
      this.ticksInHalf = 1;
    }
    this.lows[1] = Math.min(this.lows[1], sample.usedBytes);
    const baseline = Math.min(this.lows[0], this.lows[1]);
    this.quietTicks = sample.utilization > this.policy.busyAbove ? 0 : this.quietTicks + 1;
    return this.quietTicks >= this.policy.quietSeconds && sample.usedBytes - baseline >= this.policy.minGrowthBytes;
  }

  /** The heap in use after a collection here: growth is measured from it. */
  collected(usedBytes: number): void {
    this.lows = [Infinity, usedBytes];
    this.quietTicks = 0;
  }
}

/**
 * V8's full collection as a function: exposed by a flag set at run time, then read from a fresh
 * context, where V8 installs it (the way Jest's leak detector reaches it). It also compacts: a
 * plain full collection frees the objects but keeps pages that still hold a few live ones, so the
 * heap kept its size (measured on fragmented garbage: a plain one took a 184 MB heap to 167 MB
 * with 11 MB in use; compacting, 192 MB to 52 MB).
 */
export function fullCollection(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      gc();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
}

/** Starts the once-a-second check; returns what stops it. Nothing when `quietSeconds` is 0. */
export function startQuietCompaction(quietSeconds: number, logger: Logger): () => void {
  if (quietSeconds <= 0) return () => undefined;
  const decision = new QuietCompaction({ ...DEFAULT_POLICY, quietSeconds });
  const collect = fullCollection();
  const log = logger.child({ context: 'QuietCompaction' });
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const usedBytes = getHeapStatistics().used_heap_size;
    if (!decision.tick({ usedBytes, utilization })) return;
    const started = performance.now();
    collect();
    const after = getHeapStatistics().used_heap_size;
    decision.collected(after);
    const mb = (bytes: number) => Math.round(bytes / 1048576);
    log.info(
      { beforeMb: mb(usedBytes), afterMb: mb(after), pauseMs: Math.round(performance.now() - started) },
      'heap collected while quiet',
    );
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
