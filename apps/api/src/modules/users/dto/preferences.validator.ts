import { registerDecorator, ValidationOptions } from 'class-validator';

export const PREFERENCE_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,49}$/;
export const MAX_PREFERENCE_KEYS = 50;
export const MAX_PREFERENCE_STRING = 500;

/** A flat map of at most 50 plain keys to short strings, numbers, booleans or null. */
export function isPreferences(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  if (entries.length > MAX_PREFERENCE_KEYS) return false;
  return entries.every(
    ([key, v]) =>
      PREFERENCE_KEY.test(key) &&
      (v === null ||
        typeof v === 'boolean' ||
        (typeof v === 'number' && Number.isFinite(v)) ||
        (typeof v === 'string' && v.length <= MAX_PREFERENCE_STRING)),
  );
}

export function IsPreferences(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isPreferences',
      target: target.constructor,
      propertyName,
      options: {
        message: `preferences must be an object of at most ${MAX_PREFERENCE_KEYS} keys (letters, digits, _ or -) with string (up to ${MAX_PREFERENCE_STRING} characters), number, boolean or null values`,
        ...options,
      },
      validator: { validate: isPreferences },
    });
}
