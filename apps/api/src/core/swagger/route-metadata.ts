import { INestApplication } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { IS_PUBLIC, RATE_LIMIT, RateLimitName, RESPONSE_MESSAGE, RAW_RESPONSE } from '@app/common';

/** What the document needs to know of a route that only its Nest metadata says. */
export interface RouteFacts {
  isPublic: boolean;
  rateLimit: RateLimitName | false;
  /** The envelope's message, or null for routes that write their own body shape. */
  message: string | null;
}

const DEFAULT_MESSAGE = 'Operation successful';

/**
 * Every route's facts by the operation id Swagger gives it (`<Controller>_<method>`). Metadata is
 * read as the guards and the envelope interceptor read it: the handler's, else the controller's.
 */
export function routeFacts(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const read = <T>(key: string): T | undefined =>
          (Reflect.getMetadata(key, handler) as T | undefined) ??
          (Reflect.getMetadata(key, controller) as T | undefined);
        facts.set(`${controller.name}_${name}`, {
          isPublic: read<boolean>(IS_PUBLIC) === true,
          rateLimit: read<RateLimitName | false>(RATE_LIMIT) ?? 'default',
          message: read<boolean>(RAW_RESPONSE) ? null : (read<string>(RESPONSE_MESSAGE) ?? DEFAULT_MESSAGE),
        });
      }
    }
  }
  return facts;
}
