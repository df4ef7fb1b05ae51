import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RAW_RESPONSE, RESPONSE_MESSAGE, successEnvelope } from '@app/common';
import { Observable, map } from 'rxjs';

const DEFAULT_MESSAGE = 'Operation successful';

/**
 * Wraps every successful HTTP response in the success envelope. The message of each handler is
 * looked up once and cached, so the hot path builds one object and nothing else.
 */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  private readonly messages = new WeakMap<object, string | null>();

  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // A socket acknowledgement has its own shape ({ success, data }), built by the gateway.
    if (context.getType() !== 'http') return next.handle();
    const message = this.messageFor(context);
    if (message === null) return next.handle();
    return next.handle().pipe(map((data: unknown) => successEnvelope(message, data ?? null)));
  }

  /** `null` for handlers that keep their own body shape. */
  private messageFor(context: ExecutionContext): string | null {
    const handler = context.getHandler();
    let message = this.messages.get(handler);
    if (message === undefined) {
      const targets = [handler, context.getClass()];
      message = this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, targets)
        ? null
        : (this.reflector.getAllAndOverride<string>(RESPONSE_MESSAGE, targets) ?? DEFAULT_MESSAGE);
      this.messages.set(handler, message);
    }
    return message;
  }
}
