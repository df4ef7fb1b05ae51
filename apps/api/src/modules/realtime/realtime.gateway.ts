import { Inject, UseFilters } from '@nestjs/common';
import {
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { AppException, AuthUser, CurrentUser, ErrorCode, nestingExceeds } from '@app/common';
import { Logger } from 'pino';
import { Server } from 'socket.io';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/core.module';
import { PingDto } from './dto/ping.dto';
import { RealtimeMetrics } from './metrics/realtime-metrics';
import { AckSuccess, AppSocket } from './realtime.protocol';
import { RealtimeExceptionFilter, answerError, toAckError } from './realtime-errors';
import { checkBeforeRecovery } from './scale/recovery-checks';
import { SocketAuthenticator } from './socket-authenticator';
import { SocketSessions } from './socket-sessions.service';

/**
 * Socket.IO on the API's port (options from RealtimeIoAdapter). The handshake authenticates
 * (guards do not run at connection time); every client event then goes through the socket's
 * event budget, the global guards (JwtAuthGuard reads `socket.data.user`), the global validation
 * pipe, and RealtimeExceptionFilter for errors. Handlers answer `{ success: true, data }`.
 */
@WebSocketGateway()
@UseFilters(RealtimeExceptionFilter)
export class RealtimeGateway implements OnGatewayInit<Server>, OnGatewayConnection<AppSocket> {
  private readonly log: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly authenticator: SocketAuthenticator,
    private readonly sessions: SocketSessions,
    private readonly metrics: RealtimeMetrics,
  ) {
    this.log = logger.child({ context: 'RealtimeGateway' });
  }

  afterInit(server: Server): void {
    this.sessions.attachServer(server);
    this.metrics.attachServer(server);
    checkBeforeRecovery(server.of('/'), (token) => this.authenticator.authenticate(token));
    server.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown } | undefined;
      this.authenticator.authenticate(auth?.token).then(
        (data) => {
          socket.data = data;
          next();
        },
        (error: unknown) => {
          const { errorCode, message } = toAckError(error, this.log, this.config.bodyLimit);
          // The client's connect_error: `message` is the error code, `data` the details.
          next(Object.assign(new Error(errorCode), { data: { errorCode, message } }));
        },
      );
    });
  }

  handleConnection(socket: AppSocket): void {
    this.metrics.track(socket);
    this.sessions.open(socket);
    socket.use(([event, ...args], next) => {
      const refusal = this.refusalOf(socket, event, args);
      if (!refusal) return next();
      answerError(socket, toAckError(refusal, this.log, this.config.bodyLimit), args.at(-1));
    });
  }

  /** Why an event is refused before any handler sees it, if it is. */
  private refusalOf(socket: AppSocket, event: unknown, args: unknown[]): AppException | undefined {
    // Nest subscribes each handler's event on the socket: no listener, no handler. Socket.IO
    // itself listens to `error` (a no-op, so a client's `error` event cannot crash the server).
    if (event === 'error' || typeof event !== 'string' || socket.listenerCount(event) === 0) {
      return new AppException(ErrorCode.BAD_REQUEST, 'Unknown event: see docs/realtime.md for the events');
    }
    // Socket.IO parsed the message before the app saw it: the nesting limit of JSON bodies
    // (BODY_MAX_DEPTH) is checked here, before validation or a handler recurses through the data.
    const maxDepth = this.config.bodyMaxDepth;
    if (args.some((arg) => nestingExceeds(arg, maxDepth))) {
      return new AppException(
        ErrorCode.BAD_REQUEST,
        `Event data is nested deeper than ${maxDepth} levels of arrays and objects`,
      );
    }
    return undefined;
  }

  @SubscribeMessage('ping')
  ping(@MessageBody() body: PingDto, @CurrentUser() user: AuthUser): AckSuccess<Record<string, unknown>> {
    return { success: true, data: { pong: true, at: new Date().toISOString(), userId: user.id, echo: body.echo } };
  }
}
