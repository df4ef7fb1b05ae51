import Redis from 'ioredis';
import { Logger } from 'pino';
import { Gauge, Registry } from 'prom-client';

/** The gauge health reads: 1 for each component working without Redis although REDIS_URL is set. */
export const REDIS_FALLBACK_METRIC = 'redis_fallback_active';
export type RedisFallbackComponent = 'rate_limits' | 'socket_events';

/** How long a command may take before Redis counts as not answering (it answers in well under 1 ms). */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
/** While Redis is connected but not answering (frozen, overloaded), how often to try it again. */
const PROBE_INTERVAL_MS = 1000;

/** Options for a client whose commands fail at once instead of waiting for Redis: queue nothing, time out. */
export const FAIL_FAST_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
} as const;

export interface RedisLinkOptions {
  component: RedisFallbackComponent;
  logger: Logger;
  registry: Registry;
  /** Logged once (warn) when the component stops using Redis. */
  down: string;
  /** Logged once (info) when it uses Redis again. */
  up: string;
}

/**
 * Whether a component may use its Redis client right now, so that it can work on this instance
 * alone while Redis is away and go back to Redis by itself, without a restart. The client must be
 * created with FAIL_FAST_OPTIONS: its commands fail at once while it is disconnected and within
 * REDIS_COMMAND_TIMEOUT_MS while Redis is connected but silent.
 *
 * Down: the connection closed, or a command failed for want of an answer (a reply error from
 * Redis is an answer). Up again: the client reconnected, or a periodic PING answered. Each change
 * is logged once and shown in the `redis_fallback_active` gauge (health reads it). Reading
 * `usable` costs two field reads: it sits on every request's rate-limit check.
 */
export class RedisLink {
  private up = true;
  private stopped = false;
  private probing = false;
  private verifying = false;
  private timer?: NodeJS.Timeout;
  private readonly gauge: Gauge<'component'>;

  constructor(
    private readonly client: Redis,
    private readonly options: RedisLinkOptions,
  ) {
    this.gauge = fallbackGauge(options.registry);
    this.gauge.set({ component: options.component }, 0);
    client.on('error', () => undefined); // the state below says what matters, once
    client.on('close', () => this.markDown('connection closed'));
    client.on('ready', () => void this.probe());
    // Every command's failure is noted here. This also gives each command's promise a handler,
    // so a command nobody awaits (the Socket.IO adapter sends some) never rejects unhandled.
    const send = client.sendCommand.bind(client);
    client.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
      const answer = send(...args) as Promise<unknown>;
      answer.catch((error: Error) => this.failed(error));
      return answer;
    };
  }

  /** Connected and answering. Before the first connection it is false without counting as down. */
  get usable(): boolean {
    return this.up && this.client.status === 'ready';
  }

  /**
   * A command's failure. A reply error is an answer; anything else (not connected, timed out) is
   * checked with a PING before Redis counts as down: a timeout may be this process's own stall (a
   * busy event loop fires the timer before it reads the answer). A connection that closes is down
   * at once (the `close` event).
   */
  failed(error: Error): void {
    if (error.name === 'ReplyError' || this.stopped || !this.up || this.verifying) return;
    this.verifying = true;
    this.client
      .ping()
      .catch((again: Error) => this.markDown(again.message, error.message))
      .finally(() => (this.verifying = false));
  }

  close(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private markDown(reason: string, failedCommand?: string): void {
    if (this.stopped || !this.up) return;
    this.up = false;
    this.gauge.set({ component: this.options.component }, 1);
    this.options.logger.warn({ reason, failedCommand, status: this.client.status }, this.options.down);
    this.timer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Back to Redis once it answers a PING (after a reconnect, or while connected but silent). */
  private async probe(): Promise<void> {
    if (this.stopped || this.up || this.probing || this.client.status !== 'ready') return;
    this.probing = true;
    try {
      await this.client.ping();
      if (this.stopped || this.up) return;
      this.up = true;
      clearInterval(this.timer);
      this.gauge.set({ component: this.options.component }, 0);
      this.options.logger.info(this.options.up);
    } catch {
      // still down; the next interval or reconnect tries again
    } finally {
      this.probing = false;
    }
  }
}

/** The one gauge of an app's registry, shared by every component that falls back. */
function fallbackGauge(registry: Registry): Gauge<'component'> {
  const existing = registry.getSingleMetric(REDIS_FALLBACK_METRIC) as Gauge<'component'> | undefined;
  return (
    existing ??
    new Gauge({
      name: REDIS_FALLBACK_METRIC,
      help: 'Per component, 1 while it works on this instance alone because Redis (REDIS_URL) does not answer',
      labelNames: ['component'],
      registers: [registry],
    })
  );
}

/** The components working without Redis right now, read from the gauge. */
export async function componentsWithoutRedis(registry: Registry): Promise<RedisFallbackComponent[]> {
  const gauge = registry.getSingleMetric(REDIS_FALLBACK_METRIC);
  if (!gauge) return [];
  const { values } = await gauge.get();
  return values.filter((v) => v.value === 1).map((v) => v.labels.component as RedisFallbackComponent);
}
