import { ArgumentMetadata, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { ValidationError } from 'class-validator';
import { AppException, FieldError } from '../errors/app-exception';
import { ErrorCode } from '../errors/error-code';

/** At most this many field errors are listed; a body with thousands of unknown keys must not get an answer many times its size. */
export const MAX_LISTED_ERRORS = 20;
/** Fields the message names before "and N more". */
const MAX_NAMED_FIELDS = 3;
/** Field names (unknown keys are the client's own) and messages are cut to these lengths. */
const MAX_FIELD_LENGTH = 64;
const MAX_MESSAGE_LENGTH = 160;

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Flattens class-validator's tree into one `{ field, message }` per failed rule, with dotted paths. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/**
 * One 400 for every failed rule, listing the first MAX_LISTED_ERRORS and naming a few fields in
 * the message; the message says how many more there are.
 */
export function validationException(errors: ValidationError[]): AppException {
  const all = toFieldErrors(errors);
  const fields = [...new Set(all.map((e) => e.field))];
  const listed = all.slice(0, MAX_LISTED_ERRORS).map(({ field, message }) => ({
    field: shorten(field, MAX_FIELD_LENGTH),
    // Messages name the property ("property <key> should not exist").
    message: shorten(message, MAX_MESSAGE_LENGTH),
  }));
  const named = fields.slice(0, MAX_NAMED_FIELDS).map((field) => shorten(field, MAX_FIELD_LENGTH));
  let message = `Validation failed: ${named.join(', ')}`;
  const more = fields.length - named.length;
  if (more > 0) message += ` and ${more} more ${more === 1 ? 'field' : 'fields'}`;
  if (all.length > listed.length) message += ` (${listed.length} of ${all.length} errors listed)`;
  return new AppException(ErrorCode.BAD_REQUEST, message, listed);
}

/**
 * The validation rules for every input, HTTP and socket alike: unknown fields are refused
 * (whitelist + forbidNonWhitelisted), values are converted to the DTO's types, and the
 * submitted value is never echoed back (it may be a password).
 */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  validationError: { target: false, value: false },
  stopAtFirstError: false,
  exceptionFactory: validationException,
};

/** Keys that reach an object's prototype when an input is merged or assigned naively. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The dotted path of the first `__proto__`, `constructor` or `prototype` key in a parsed input, at
 * any depth. class-transformer drops these keys without a word, so the whitelist never sees them:
 * `?__proto__=x` or a body field `constructor` would otherwise be accepted and ignored.
 */
export function prototypeKeyPath(value: unknown): string | undefined {
  return prototypeKeyTrail(value)?.reverse().join('.');
}

/** The keys down to the first prototype key, innermost first; no string is built on the way (a clean input is the common case). */
function prototypeKeyTrail(value: unknown): string[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_KEYS.has(key)) return [key];
    const trail = prototypeKeyTrail((value as Record<string, unknown>)[key]);
    if (trail) {
      trail.push(key);
      return trail;
    }
  }
  return undefined;
}

/**
 * Whether a parsed value nests arrays and plain objects more than `maxDepth` deep (`[]` and `{}`
 * are depth 1). Without recursion, so no depth overflows the stack: the check that has to come
 * before anything that recurses (class-transformer, class-validator, `prototypeKeyPath`) where the
 * text was parsed before the app saw it (Socket.IO's parser). Other objects (a binary message's
 * Buffers, dates) count as leaves.
 */
export function nestingExceeds(value: unknown, maxDepth: number): boolean {
  if (!isContainer(value)) return false;
  const pending: [object, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [container, depth] = next;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(container) ? container : Object.values(container)) {
      if (isContainer(child)) pending.push([child, depth + 1]);
    }
  }
  return false;
}

function isContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The validation pipe of every HTTP input: VALIDATION_OPTIONS, and a body or query string holding
 * a prototype key is refused (400) as any other unknown field is.
 */
export class InputValidationPipe extends ValidationPipe {
  constructor() {
    super(VALIDATION_OPTIONS);
  }

  /** Async, so a refusal is a rejected promise for every caller (a socket listener that chains `.then` too). */
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const path = prototypeKeyPath(value);
      if (path) {
        const field = shorten(path, MAX_FIELD_LENGTH);
        throw new AppException(ErrorCode.BAD_REQUEST, `Validation failed: ${field}`, [
          { field, message: `property ${field} should not exist` },
        ]);
      }
    }
    return (await super.transform(value, metadata)) as unknown;
  }
}
