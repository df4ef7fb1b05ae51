import { ApiProperty } from '@nestjs/swagger';
import {
  CALL_DETAILS_EXAMPLE,
  CallDetailsDto,
  CallStaffView,
  CallSummaryDto,
  ENDED_CALL_EXAMPLE,
} from '../../../calls';

/** Where a page sits in the whole list: `pages` is `ceil(total / limit)` (0 when nothing matches). */
export class AdminPaginationDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) page!: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100, example: 20 }) limit!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1, description: 'Calls matching the filters' }) total!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 }) pages!: number;
}

export class AdminCallPageDto {
  @ApiProperty({ type: [CallSummaryDto], description: 'Newest first (by creation)' }) calls!: CallSummaryDto[];
  @ApiProperty({ type: () => AdminPaginationDto }) pagination!: AdminPaginationDto;
}

/** A call in full with its chat's size. */
export class AdminCallDetailsDto extends CallDetailsDto implements CallStaffView {
  @ApiProperty({ type: 'integer', minimum: 0, example: 12, description: 'Chat messages in the call' })
  messageCount!: number;
}

export const ADMIN_CALL_PAGE_EXAMPLE: AdminCallPageDto = {
  calls: [ENDED_CALL_EXAMPLE],
  pagination: { page: 1, limit: 20, total: 1, pages: 1 },
};
export const ADMIN_CALL_DETAILS_EXAMPLE: AdminCallDetailsDto = { ...CALL_DETAILS_EXAMPLE, messageCount: 12 };
