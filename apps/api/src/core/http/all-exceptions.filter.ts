import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { toErrorResponse } from './error-response';

/**
 * Every exception of an HTTP request, as the error envelope. Nest applies no global filter to
 * Socket.IO events (the realtime gateway brings its own, answering in the acknowledgement shape);
 * any other transport is rethrown untouched, never read as HTTP.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    sendError(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.config.bodyLimit);
  }
}

export function sendError(exception: unknown, request: FastifyRequest, reply: FastifyReply, bodyLimit: number): void {
  const response = toErrorResponse(exception, request.id, bodyLimit);
  if (response.unexpected) {
    request.log.error({ err: exception }, 'unhandled exception');
  }
  void reply.status(response.status).headers(response.headers).send(response.body);
}
