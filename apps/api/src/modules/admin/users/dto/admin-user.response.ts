import { ApiProperty } from '@nestjs/swagger';
import { ACCOUNT_STATUS, AccountStatus, Role, ROLE_VALUES } from '@app/common';
import { UserCallStats } from '../../../calls';
import { Plan, PLANS, USER_ID_EXAMPLE } from '../../../users';
import { AdminUserView } from '../admin-user.mapper';

const NULLABLE_DATE = { type: String, format: 'date-time', nullable: true } as const;

/** An account as staff see it (admin-user.mapper.ts). */
export class AdminUserDto implements AdminUserView {
  @ApiProperty({ pattern: '^[0-9a-f]{24}$', example: USER_ID_EXAMPLE }) id!: string;
  @ApiProperty({ example: 'John' }) firstName!: string;
  @ApiProperty({ example: 'Doe' }) lastName!: string;
  @ApiProperty({ example: 'john@example.com', description: 'A placeholder once the account is deleted' })
  email!: string;
  @ApiProperty({ type: String, nullable: true, example: '+1234567890', description: 'E.164' })
  phoneNumber!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) avatar!: string | null;
  @ApiProperty({ enum: ROLE_VALUES, example: 'user' }) role!: Role;
  @ApiProperty({ enum: ACCOUNT_STATUS, example: 'active', description: 'Account status (not presence)' })
  status!: AccountStatus;
  @ApiProperty({ enum: PLANS, example: 'free', description: 'Subscription plan' }) plan!: Plan;
  @ApiProperty({ example: true }) isEmailVerified!: boolean;
  @ApiProperty({ format: 'date-time', example: '2026-01-01T09:00:00.000Z' }) createdAt!: string;
  @ApiProperty({
    ...NULLABLE_DATE,
    example: '2026-01-02T18:30:00.000Z',
    description: 'Last presence change or disconnect',
  })
  lastSeenAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'Set while suspended' })
  suspensionReason!: string | null;
  @ApiProperty({ ...NULLABLE_DATE, example: null }) suspendedAt!: string | null;
  @ApiProperty({ ...NULLABLE_DATE, example: null }) deletedAt!: string | null;
}

/** A user's calls in figures. Read live: scans calls and participants on the embedded database. */
export class UserCallStatsDto implements UserCallStats {
  @ApiProperty({ type: 'integer', minimum: 0, example: 4, description: 'Calls the user created' })
  hostedCalls!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 9,
    description: 'Calls the user took part in, hosting included',
  })
  joinedCalls!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 135,
    description: 'Minutes of the ended calls the user took part in (whole calls, start to end), rounded',
  })
  totalMinutes!: number;
}

/** Where a page sits in the whole list: `pages` is `ceil(total / limit)` (0 when nothing matches). */
export class AdminUserPaginationDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) page!: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100, example: 20 }) limit!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1, description: 'Accounts matching the filters' })
  total!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 }) pages!: number;
}

export const ADMIN_USER_EXAMPLE: AdminUserDto = {
  id: USER_ID_EXAMPLE,
  firstName: 'John',
  lastName: 'Doe',
  email: 'john@example.com',
  phoneNumber: '+1234567890',
  avatar: null,
  role: 'user',
  status: 'active',
  plan: 'free',
  isEmailVerified: true,
  createdAt: '2026-01-01T09:00:00.000Z',
  lastSeenAt: '2026-01-02T18:30:00.000Z',
  suspensionReason: null,
  suspendedAt: null,
  deletedAt: null,
};
export const SUSPENDED_USER_EXAMPLE: AdminUserDto = {
  ...ADMIN_USER_EXAMPLE,
  status: 'suspended',
  suspensionReason: 'Abusive behaviour in calls',
  suspendedAt: '2026-01-03T10:00:00.000Z',
};
export const USER_CALL_STATS_EXAMPLE: UserCallStatsDto = { hostedCalls: 4, joinedCalls: 9, totalMinutes: 135 };
