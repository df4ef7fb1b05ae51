import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/core.module';
import { toErrorResponse } from '../../core/http/error-response';
import { AckError, AppSocket } from './realtime.protocol';

/**
 * Anything thrown while handling a socket event, in the acknowledgement's error shape: the same
 * mapping and error codes as REST (`toErrorResponse`). An unexpected error gets a generic message
 * with an id that is also in the log, never its details.
 */
export function toAckError(exception: unknown, log: Logger, bodyLimit: number): AckError {
  const incident = randomUUID();
  const { body, unexpected } = toErrorResponse(exception, incident, bodyLimit);
  if (unexpected) log.error({ err: exception, incident }, 'unhandled exception in a socket event');
  return { success: false, errorCode: body.errorCode, message: body.message, errors: body.errors };
}

/** Answers through the event's acknowledgement when it has one, else as an `error` event. */
export function answerError(socket: AppSocket, error: AckError, ack: unknown): void {
  if (typeof ack === 'function') (ack as (answer: AckError) => void)(error);
  else socket.emit('error', error);
}

/**
 * The gateway's exception filter (global filters never see Socket.IO events): an AppException,
 * a validation failure or anything else becomes `{ success: false, errorCode, message, errors }`.
 */
@Catch()
export class RealtimeExceptionFilter implements ExceptionFilter {
  private readonly log: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'RealtimeGateway' });
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    // The handler's arguments are (socket, payload, acknowledgement, pattern).
    const ack: unknown = host.getArgByIndex(2);
    answerError(ws.getClient<AppSocket>(), toAckError(exception, this.log, this.config.bodyLimit), ack);
  }
}
