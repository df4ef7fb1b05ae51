import { LoggerService } from '@nestjs/common';
import { FastifyBaseLogger, FastifyReply, FastifyRequest, LogController } from 'fastify';
import pino, { Logger, LoggerOptions } from 'pino';
import { AppConfig } from '../config/app-config';
import { LogStoreSink, registerLogStoreSink } from './log-store-sink';

/** Paths that must never reach a log line. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
];

/** The log store (admin `system/logs`) receives these levels whatever LOG_LEVEL says. */
const STORED_LEVEL = 'warn';

/**
 * JSON lines in production (one object per event, ISO time), pino-pretty in development; LOG_LEVEL
 * decides what reaches stdout. Warnings and errors also go to the log store's sink (its lines are
 * already redacted by `redact`), which the admin module drains into the database.
 */
export function createLogger(config: Pick<AppConfig, 'log'>): Logger {
  const output = config.log.level;
  const options: LoggerOptions = {
    level: pino.levels.values[output] < pino.levels.values[STORED_LEVEL] ? output : STORED_LEVEL,
    base: { service: 'video-call-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  const stdout =
    config.log.format === 'json'
      ? pino.destination(1)
      : pino.transport({
          target: 'pino-pretty',
          options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' },
        });
  const sink = new LogStoreSink();
  const logger = pino(
    options,
    pino.multistream([
      { level: output, stream: stdout },
      { level: STORED_LEVEL, stream: sink },
    ]),
  );
  registerLogStoreSink(logger, sink);
  return logger;
}

/** Nest's start-up chatter (module and route listings) goes to debug. */
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** Nest's logger interface on top of the same pino instance Fastify logs requests with. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params.at(-1);
    this.write(typeof context === 'string' && QUIET_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context name last and, for errors, a stack trace before it. */
  private write(level: pino.Level, message: unknown, params: unknown[]): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    const stack = params.length > 1 && typeof params[0] === 'string' ? params[0] : undefined;
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else if (typeof message === 'string') {
      this.logger[level]({ context, ...(stack ? { stack } : {}) }, message);
    } else {
      this.logger[level]({ context, detail: message });
    }
  }
}

/** Path segments that are credentials (single-use email links) and never reach a log. */
const SECRET_PATH = /\/(reset-password|verify-email)\/[^/?#]+/g;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PATH, '/$1/[redacted]');
}

/** One line per request, when it completes: method, URL (credentials redacted), status, duration and the request id. */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const failed = reply.statusCode >= 500;
    // The request's logger is a pino child (loggerInstance): skip building a line nobody keeps.
    if (!(reply.log as unknown as Logger).isLevelEnabled(failed ? 'error' : 'info')) return;
    const line = {
      method: request.method,
      url: redactUrl(request.url),
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (failed) reply.log.error({ ...line, err: error }, 'request failed');
    else reply.log.info(line, 'request completed');
  }
}

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Fastify's per-request logger (`request.log`, `reply.log`), made into a pino child only when a
 * line at an enabled level is written through it. Fastify makes a child for every request, and a
 * pino child with `redact` serializes and redacts its bindings when it is made: about 3 % of the
 * CPU of the liveness probe, for a logger that writes nothing below `warn` in production.
 */
export class DeferredRequestLogger {
  private made?: Logger;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: pino.Bindings,
    private readonly options: pino.ChildLoggerOptions,
  ) {}

  private get logger(): Logger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return (this.made ?? this.parent).level;
  }
  set level(level: string) {
    this.logger.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }
  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  private write(level: LogMethod, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    this.logger[level](...(args as Parameters<pino.LogFn>));
  }
}

/** Fastify's `childLoggerFactory`: see DeferredRequestLogger. */
export function deferredRequestLogger(
  logger: FastifyBaseLogger,
  bindings: pino.Bindings,
  options: pino.ChildLoggerOptions,
): FastifyBaseLogger {
  // loggerInstance is the app's pino logger (createLogger), so the parent is a pino Logger. A
  // route with a log level of its own gets its child at once: the deferred one answers level
  // checks with the parent's level until it is made.
  if (options.level !== undefined) return logger.child(bindings, options);
  return new DeferredRequestLogger(logger as Logger, bindings, options);
}
