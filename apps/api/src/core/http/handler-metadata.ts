import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

/**
 * A decorator's value for the handler of a request (the handler's own, else its controller's),
 * read through the Reflector once per handler and then from a WeakMap: guards run on every
 * request, and each metadata lookup walks prototype chains.
 */
export class HandlerMetadata<T> {
  private readonly values = new WeakMap<object, T | undefined>();

  constructor(
    private readonly reflector: Reflector,
    private readonly key: string,
  ) {}

  of(context: ExecutionContext): T | undefined {
    const handler = context.getHandler();
    if (this.values.has(handler)) return this.values.get(handler);
    const value = this.reflector.getAllAndOverride<T | undefined>(this.key, [handler, context.getClass()]);
    this.values.set(handler, value);
    return value;
  }
}
