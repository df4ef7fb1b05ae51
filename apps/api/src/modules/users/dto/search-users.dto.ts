import { IsOptionalNonNull, trim } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { SEARCH_QUERY_MAX } from '../user-search';

export const SEARCH_DEFAULT_LIMIT = 10;
export const SEARCH_MAX_LIMIT = 50;

export class SearchUsersQuery {
  @ApiProperty({
    example: 'john doe',
    minLength: 1,
    maxLength: SEARCH_QUERY_MAX,
    description:
      'Matched case-insensitively and literally against first name, last name and email; ' +
      'with several words, each must match one of them ("john doe" finds John Doe).',
  })
  @Transform(trim)
  @IsString()
  @Length(1, SEARCH_QUERY_MAX, { message: `query must be 1 to ${SEARCH_QUERY_MAX} characters after trimming` })
  query!: string;

  @ApiPropertyOptional({ example: 10, default: SEARCH_DEFAULT_LIMIT, minimum: 1, maximum: SEARCH_MAX_LIMIT })
  @IsOptionalNonNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(SEARCH_MAX_LIMIT)
  limit: number = SEARCH_DEFAULT_LIMIT;
}
