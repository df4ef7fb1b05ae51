import { AppException, ErrorCode } from '@app/common';
import { FastifyInstance } from 'fastify';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests arrays and objects more than `maxDepth` deep (`[]` and `{}` are depth 1).
 * One pass over the characters with a counter: no recursion, so no depth can overflow the stack,
 * and it runs before parsing, so a refused body is never parsed. Text that is not JSON may be
 * miscounted; the parser refuses it anyway.
 */
export function jsonNestingExceeds(text: string, maxDepth: number): boolean {
  if (text.length <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/**
 * The property name that made Fastify refuse valid JSON (`onProtoPoisoning` and
 * `onConstructorPoisoning` are `error`), or undefined when the text is not valid JSON. Only
 * called for refused bodies, whose depth is already bounded.
 */
export function forbiddenPropertyName(text: string): '__proto__' | 'constructor.prototype' | undefined {
  let found: '__proto__' | 'constructor.prototype' | undefined;
  try {
    JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__') found ??= '__proto__';
      else if (
        key === 'constructor' &&
        typeof value === 'object' &&
        value !== null &&
        Object.hasOwn(value, 'prototype')
      )
        found ??= 'constructor.prototype';
      return value;
    });
  } catch {
    return undefined;
  }
  return found;
}

/**
 * JSON bodies: Fastify's own parser (with its prototype-poisoning checks) behind a nesting limit,
 * because class-transformer and class-validator recurse through the body and overflow the stack
 * (a 500) at about 1,500 levels. A refused `__proto__` says so instead of "not valid JSON".
 */
export function useJsonBodyParser(fastify: FastifyInstance, maxDepth: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonNestingExceeds(text, maxDepth)) {
      done(
        new AppException(
          ErrorCode.BAD_REQUEST,
          `Request body is nested deeper than ${maxDepth} levels of arrays and objects`,
        ),
        undefined,
      );
      return;
    }
    void parse(request, text, (error, value) => {
      const name = error ? forbiddenPropertyName(text) : undefined;
      if (name) {
        done(
          new AppException(
            ErrorCode.BAD_REQUEST,
            `Request body refused: it contains the forbidden property name ${name}`,
          ),
          undefined,
        );
        return;
      }
      done(error, value);
    });
  });
}
