import type { IncomingMessage } from 'node:http';
import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { MessageMappingProperties } from '@nestjs/websockets';
import { Logger } from 'pino';
import { Observable, isObservable, lastValueFrom } from 'rxjs';
import { Server, ServerOptions, Socket } from 'socket.io';
import { AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/core.module';
import { requestIdFor } from '../../core/http/request-id';
import { securityHeaders } from '../../core/http/security-headers';
import { MetricsService } from '../../core/metrics/metrics.service';
import { coalesceWrites } from './scale/coalesced-writes';
import { RecoveryAdapter } from './scale/recovery-adapter';
import { useRedisStreams } from './scale/redis-streams';

/**
 * Socket.IO on the API's own HTTP server (Fastify's), with the options the configuration sets:
 * the origins of CORS_ORIGINS, the largest message (SOCKET_MAX_BUFFER), no client bundle served,
 * connection state recovery for SOCKET_RECOVERY_WINDOW, and with REDIS_URL the Redis Streams
 * adapter that carries rooms and recovery across instances.
 */
export class RealtimeIoAdapter extends IoAdapter {
  private closeRedis: () => Promise<void> = () => Promise.resolve();
  /** Writes the packets waiting for the end of the turn (coalesced-writes.ts). */
  private flushWrites: () => void = () => undefined;
  private log?: Logger;
  /** One listener per event name, shared by every socket (see bindMessageHandlers). */
  private readonly listeners = new Map<string, (this: Socket, ...payload: unknown[]) => void>();

  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const origins = this.config.cors.origins;
    const allowed = (origin: string | undefined) => !origin || origins.includes(origin);
    const merged: Partial<ServerOptions> = {
      ...options,
      serveClient: false,
      maxHttpBufferSize: this.config.realtime.maxBufferBytes,
      // A dropped socket that comes back within the window keeps its rooms and gets the room events
      // it missed. The handshake middleware runs again on recovery (token and account checks), and
      // checkBeforeRecovery runs them before anything missed is sent.
      connectionStateRecovery: {
        maxDisconnectionDuration: this.config.realtime.recoveryWindowSeconds * 1000,
        skipMiddlewares: false,
      },
      // One instance: Socket.IO's recovering adapter, without keeping WebRTC signals (replaced by
      // the Redis Streams adapter with REDIS_URL, which replays them neither).
      adapter: RecoveryAdapter,
      cors: { origin: (origin, callback) => callback(null, allowed(origin)), credentials: true },
      // CORS binds browsers only on HTTP long-polling; a browser page of another origin opening a
      // WebSocket is refused here, by the Origin header it cannot forge.
      allowRequest: (request, callback) => callback(null, allowed(request.headers.origin)),
    };
    // Socket.IO fills in every option left out; its type lists them all as required.
    const server = super.createIOServer(port, merged as ServerOptions);
    // Socket.IO answers its own HTTP requests (handshake, long-polling, the WebSocket upgrade):
    // the same security headers and request id as every REST answer.
    const headers = securityHeaders(this.config.servedOverHttps);
    server.engine.on('headers', (responseHeaders: Record<string, string>, request: IncomingMessage) => {
      Object.assign(responseHeaders, headers);
      responseHeaders['X-Request-Id'] = requestIdFor(request);
    });
    const logger = this.app.get<Logger>(LOGGER);
    this.flushWrites = coalesceWrites(server, logger.child({ context: 'RealtimeWrites' }));
    const registry = this.app.get(MetricsService).registry;
    this.closeRedis = useRedisStreams(server, this.config, logger, registry);
    return server;
  }

  /**
   * Each handler as a plain listener on the socket. Nest's own binding builds an RxJS pipeline per
   * handler per socket (a dozen subscriptions on every connection, and several operators on every
   * event); this keeps what it does (the handler's answer goes to the acknowledgement, or as an
   * event when it names one) without them. Handlers answer with a value or a promise; an
   * Observable answers with its last value.
   *
   * An idle socket costs memory for as long as it is connected, so nothing here is made per socket
   * that can be shared: the listener of an event is one function for every socket (Socket.IO calls
   * it with the socket as `this`), and the socket keeps only Nest's handler callbacks, in one table.
   */
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    _transform: (data: unknown) => Observable<unknown>,
  ): void {
    const table = handlersOf(socket) ?? ((socket as HandledSocket)[HANDLERS] = new Map());
    for (const handler of handlers) {
      const message = handler.message as string;
      // One listener per event name: a second gateway handling the same event would answer it twice.
      if (table.has(message)) throw new Error(`two gateways handle the socket event "${message}"`);
      table.set(message, handler.callback);
      socket.on(message, this.listenerOf(message, handler.isAckHandledManually));
    }
  }

  /** Every gateway's disconnect callback of the socket, called in order by one listener shared by all sockets. */
  override bindClientDisconnect(socket: Socket, callback: (reason: unknown) => void): void {
    const callbacks = (socket as HandledSocket)[ON_DISCONNECT];
    if (callbacks) return void callbacks.push(callback);
    (socket as HandledSocket)[ON_DISCONNECT] = [callback];
    // Socket.IO emits `disconnect` once per socket: `on` spares the wrapper `once` would add.
    socket.on('disconnect', runDisconnectCallbacks);
  }

  /** The listener of `message`, made once for every socket. */
  private listenerOf(message: string, isAckHandledManually?: boolean): (this: Socket, ...payload: unknown[]) => void {
    let listener = this.listeners.get(message);
    if (listener) return listener;
    const log = (this.log ??= this.app.get<Logger>(LOGGER));
    const split = (payload: unknown) => this.mapPayload(payload) as { data: unknown; ack?: unknown };
    const handle = (socket: Socket, payload: unknown[]) => {
      const callback = handlersOf(socket)?.get(message);
      if (!callback) return;
      // As RxJS's fromEvent hands it to Nest's own binding: one argument alone, several as an array.
      const { data, ack } = split(payload.length === 1 ? payload[0] : payload);
      settle(() => callback(data, ack)).then(
        (response) => {
          if (response === undefined || response === null) return;
          const named = response as { event?: string; data?: unknown };
          if (named.event) socket.emit(named.event, named.data);
          else if (!isAckHandledManually && typeof ack === 'function') (ack as (answer: unknown) => void)(response);
        },
        // The gateway's exception filter answers errors; one that escapes it is a bug, logged.
        (err: unknown) => log.error({ err, event: message }, 'socket event handler failed'),
      );
    };
    listener = function (this: Socket, ...payload: unknown[]) {
      handle(this, payload);
    };
    this.listeners.set(message, listener);
    return listener;
  }

  /**
   * Closes this instance's connections only, without a disconnect packet: clients see a transport
   * close and reconnect by themselves (to another instance behind the load balancer). Fastify
   * owns the HTTP server and closes it after in-flight requests; Socket.IO's own close would close
   * it first.
   */
  override async close(server: Server): Promise<void> {
    // What was sent in this turn still goes out before the connections close.
    this.flushWrites();
    server.engine.close();
    // Socket.IO's own close would also close the namespace's adapter (the Redis stream readers).
    await server.of('/').adapter.close();
    await this.closeRedis();
  }
}

const HANDLERS = Symbol('messageHandlers');
const ON_DISCONNECT = Symbol('disconnectCallbacks');

/** A socket with the gateways' handlers and disconnect callbacks, as this adapter keeps them. */
interface HandledSocket extends Socket {
  [HANDLERS]?: Map<string, MessageMappingProperties['callback']>;
  [ON_DISCONNECT]?: ((reason: unknown) => void)[];
}

const handlersOf = (socket: Socket) => (socket as HandledSocket)[HANDLERS];

function runDisconnectCallbacks(this: Socket, reason: unknown): void {
  for (const callback of (this as HandledSocket)[ON_DISCONNECT] ?? []) callback(reason);
}

/** A handler's answer, whatever form it takes (value, promise, Observable, or a throw). */
async function settle(run: () => unknown): Promise<unknown> {
  const result: unknown = await run();
  return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
}
