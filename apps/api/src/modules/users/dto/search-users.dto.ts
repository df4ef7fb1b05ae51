import { LimitQuery, trim } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, Matches } from 'class-validator';
import { SEARCH_QUERY_MAX, SEARCH_QUERY_MEANINGFUL, SEARCH_QUERY_TOO_VAGUE } from '../user-search';

export const SEARCH_DEFAULT_LIMIT = 10;
export const SEARCH_MAX_LIMIT = 50;

export class SearchUsersQuery extends LimitQuery(SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT) {
  @ApiProperty({
    example: 'john doe',
    minLength: 2,
    maxLength: SEARCH_QUERY_MAX,
    description:
      'At least 2 letters or digits (any script; punctuation such as `@` or `.` does not count), ' +
      `at most ${SEARCH_QUERY_MAX} characters after trimming. Matched case-insensitively and literally ` +
      'against first and last name; with several words, each must match one of them ("john doe" finds ' +
      'John Doe). An email is matched only when the whole query is that exact address ' +
      '(`john.doe@example.com`); part of an address (`example.com`, `john@`) never matches an email.',
  })
  @Transform(trim)
  @IsString()
  @Length(1, SEARCH_QUERY_MAX, { message: `query must be 1 to ${SEARCH_QUERY_MAX} characters after trimming` })
  @Matches(SEARCH_QUERY_MEANINGFUL, { message: SEARCH_QUERY_TOO_VAGUE })
  query!: string;
}
