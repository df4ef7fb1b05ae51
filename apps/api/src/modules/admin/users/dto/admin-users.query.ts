import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import {
  ACCOUNT_STATUS,
  AccountStatus,
  IsWholeNumberInRange,
  LimitQuery,
  MAX_SKIP,
  Role,
  ROLE_VALUES,
  trim,
} from '@app/common';
import { STAFF_USER_SORTS, StaffUserSort } from '../../../users';

export const ADMIN_USERS_DEFAULT_LIMIT = 20;
export const ADMIN_USERS_MAX_LIMIT = 100;
/** Pages beyond this would skip more than MAX_SKIP accounts at the largest limit: refused (400). */
export const ADMIN_USERS_MAX_PAGE = MAX_SKIP / ADMIN_USERS_MAX_LIMIT;
export const ADMIN_USERS_SEARCH_MAX = 100;

/** `GET /api/admin/users`: a page of every account, filtered, searched and sorted. */
export class AdminUsersQuery extends LimitQuery(ADMIN_USERS_DEFAULT_LIMIT, ADMIN_USERS_MAX_LIMIT) {
  @ApiPropertyOptional({ example: 1, default: 1, minimum: 1, maximum: ADMIN_USERS_MAX_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsWholeNumberInRange(1, ADMIN_USERS_MAX_PAGE)
  page: number = 1;

  @ApiPropertyOptional({
    example: 'john',
    minLength: 1,
    maxLength: ADMIN_USERS_SEARCH_MAX,
    description:
      'Words that each start a word of the first or last name (case-insensitive, taken literally), ' +
      'or a whole email address (compared exactly)',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, ADMIN_USERS_SEARCH_MAX)
  search?: string;

  @ApiPropertyOptional({ enum: ACCOUNT_STATUS, example: 'active', description: 'Account status' })
  @IsOptional()
  @IsIn(ACCOUNT_STATUS)
  status?: AccountStatus;

  @ApiPropertyOptional({ enum: ROLE_VALUES, example: 'user' })
  @IsOptional()
  @IsIn(ROLE_VALUES)
  role?: Role;

  @ApiPropertyOptional({
    enum: STAFF_USER_SORTS,
    default: '-createdAt',
    description: 'Sort field, `-` for descending (lastName sorts by lastName then firstName)',
  })
  @IsOptional()
  @IsIn(STAFF_USER_SORTS)
  sort: StaffUserSort = '-createdAt';
}
