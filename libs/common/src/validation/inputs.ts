import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength, ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';

/** `@Transform(trim)`: surrounding whitespace never counts. */
export const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** `@Transform(normalizeEmail)`: emails are stored and compared lower-cased (no collation needed). */
export const normalizeEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** The longest email address (RFC 5321's path limit). */
export const EMAIL_MAX_LENGTH = 254;

/** An email address in a body: trimmed and lower-cased, then checked (one message for any bad value). */
export function IsEmailAddress(): PropertyDecorator {
  return applyDecorators(
    Transform(normalizeEmail),
    IsString({ message: 'email must be an email address' }),
    MaxLength(EMAIL_MAX_LENGTH, { message: `email must be at most ${EMAIL_MAX_LENGTH} characters` }),
    IsEmail({}, { message: 'email must be an email address' }),
  );
}

/** A phone number in E.164: `+`, country code, up to 15 digits. */
export const E164 = /^\+[1-9]\d{1,14}$/;

/** Deeper pages than this are refused (400): nobody pages that far, and the driver refuses huge numbers. */
export const MAX_SKIP = 1_000_000;

export interface Page {
  limit: number;
  skip: number;
}

/**
 * A whole number from `min` to `max`, with one message whatever is wrong (`abc`, `1.5`, `0`, `101`):
 * class-validator's separate `@IsInt() @Min() @Max()` answer `limit=abc` with three messages,
 * among them "must not be greater than 50".
 */
export function IsWholeNumberInRange(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWholeNumberInRange',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
        defaultMessage: (args) => `${args?.property} must be a whole number from ${min} to ${max}`,
      },
    },
    options,
  );
}

/** `?limit=` with this endpoint's default and maximum number of items. */
export function LimitQuery(defaultLimit: number, maxLimit: number) {
  class LimitQueryDto {
    @ApiPropertyOptional({ example: defaultLimit, default: defaultLimit, minimum: 1, maximum: maxLimit })
    @IsOptional()
    @Type(() => Number)
    @IsWholeNumberInRange(1, maxLimit)
    limit: number = defaultLimit;
  }
  return LimitQueryDto;
}

/** `?limit=&skip=` with this endpoint's default and maximum page size. */
export function PageQuery(defaultLimit: number, maxLimit: number) {
  class PageQueryDto extends LimitQuery(defaultLimit, maxLimit) implements Page {
    @ApiPropertyOptional({ example: 0, default: 0, minimum: 0, maximum: MAX_SKIP })
    @IsOptional()
    @Type(() => Number)
    @IsWholeNumberInRange(0, MAX_SKIP)
    skip: number = 0;
  }
  return PageQueryDto;
}

/**
 * A full ISO 8601 date-time with a time zone: `YYYY-MM-DDTHH:mm`, optional seconds and fraction,
 * then `Z` or `±HH:mm`. class-validator's `@IsISO8601()` also takes week dates (`2027-W01-1`),
 * ordinal dates and dates without a time or a zone, which `new Date()` then reads as something
 * else (or as local time).
 */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Whether `value` is a full ISO 8601 date-time with a time zone, of a day and time that exist. */
export function isIsoDateTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = match
    .slice(1)
    .map((part) => Number(part ?? 0));
  // Date.UTC rolls 2027-02-30 over to March 2; a day that does not exist comes back different.
  // (It also reads years 0–99 as 1900–1999, so those are refused, which no call needs.)
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
  );
}

/** `@IsIsoDateTime()`: see isIsoDateTime. Dates without a time (e.g. report ranges) stay `@IsISO8601()`. */
export function IsIsoDateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoDateTime',
      validator: {
        validate: isIsoDateTime,
        defaultMessage: (args) =>
          `${args?.property} must be an ISO 8601 date-time with a time zone, e.g. 2026-01-01T10:00:00Z`,
      },
    },
    options,
  );
}

/** Emoji a message of type `emoji` may hold; whitespace between them is allowed. */
export const MAX_EMOJI = 10;

/**
 * One emoji as people type them: a flag (two regional indicators), a keycap (`1️⃣`), a
 * subdivision flag (black flag and tags), or a pictograph with an optional variation selector or
 * skin tone, joined to more of them by zero-width joiners (`👨‍👩‍👧‍👦`, `🏳️‍🌈`).
 */
const EMOJI =
  String.raw`(?:\p{Regional_Indicator}{2}` +
  String.raw`|[#*0-9]\uFE0F?\u20E3` +
  String.raw`|\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}` +
  String.raw`|\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]?(?:\u200D\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]?)*)`;
const EMOJI_ONLY = new RegExp(String.raw`^\s*(?:${EMOJI}\s*){1,${MAX_EMOJI}}$`, 'u');

/** Whether `text` holds nothing but 1 to MAX_EMOJI emoji (and whitespace). */
export function isEmojiOnly(text: unknown): boolean {
  return typeof text === 'string' && EMOJI_ONLY.test(text);
}

/**
 * The field may be left out; when it is sent it must pass the other rules. Unlike class-validator's
 * `@IsOptional()`, an explicit `null` is validated (and refused by `@IsString()` etc.) instead of
 * skipping every rule and reaching the database.
 */
export const IsOptionalNonNull = () => ValidateIf((_object: object, value: unknown) => value !== undefined);
