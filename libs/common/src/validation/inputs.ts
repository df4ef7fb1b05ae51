import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';

/** `@Transform(trim)`: surrounding whitespace never counts. */
export const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** `@Transform(normalizeEmail)`: emails are stored and compared lower-cased (no collation needed). */
export const normalizeEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** A phone number in E.164: `+`, country code, up to 15 digits. */
export const E164 = /^\+[1-9]\d{1,14}$/;

/** Deeper pages than this are refused (400): nobody pages that far, and the driver refuses huge numbers. */
export const MAX_SKIP = 1_000_000;

export interface Page {
  limit: number;
  skip: number;
}

/** `?limit=&skip=` with this endpoint's default and maximum page size. */
export function PageQuery(defaultLimit: number, maxLimit: number) {
  class PageQueryDto implements Page {
    @ApiPropertyOptional({ example: defaultLimit, default: defaultLimit, minimum: 1, maximum: maxLimit })
    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(maxLimit)
    limit: number = defaultLimit;

    @ApiPropertyOptional({ example: 0, default: 0, minimum: 0, maximum: MAX_SKIP })
    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(0)
    @Max(MAX_SKIP)
    skip: number = 0;
  }
  return PageQueryDto;
}

/**
 * The field may be left out; when it is sent it must pass the other rules. Unlike class-validator's
 * `@IsOptional()`, an explicit `null` is validated (and refused by `@IsString()` etc.) instead of
 * skipping every rule and reaching the database.
 */
export const IsOptionalNonNull = () => ValidateIf((_object: object, value: unknown) => value !== undefined);
