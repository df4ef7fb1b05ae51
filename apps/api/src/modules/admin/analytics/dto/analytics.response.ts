import { ApiProperty } from '@nestjs/swagger';
import { CALL_MODES, CALL_STATUSES, CALL_TYPES, ROLE_VALUES, ACCOUNT_STATUS } from '@app/common';
import type { AccountStatus, CallMode, CallStatus, CallType, Role } from '@app/common';
import { PERIODS, Period } from '../analytics-period';
import { AnalyticsSeries, SeriesPoint } from '../analytics.service';
import { Dashboard, LatestCall, LatestUser } from '../dashboard.service';
import { GRANULARITIES, Granularity } from '../rollups/buckets';
import { DURATION_BIN_SECONDS } from '../rollups/rollup-counters';
import { CallAnalytics, TopHost, UserAnalytics } from '../period-analytics.service';

/**
 * Response shapes of the dashboard and analytics. Each figure's description says where it comes
 * from: EXACT (rollup counters kept by `$inc` as things happen; `rebuild-rollups` recomputes them),
 * APPROXIMATE (a histogram), or LIVE (a query when asked; those over `users` or `calls` scan the
 * collection on the embedded database).
 */

const EXACT = 'Exact, from the rollups.';
const LIVE_SCAN = 'Read live: a count that scans the collection on the embedded database.';
const LIVE_CACHED =
  'Read live: a count that scans `users` on the embedded database, made at most once a minute (see liveCountsAt).';
const DATE_TIME = { format: 'date-time', example: '2026-12-02T00:00:00.000Z' };
const USER_ID = { pattern: '^[0-9a-f]{24}$', example: '665f1c2ab3e4d5f6a7b8c9d0' };
const count = (description: string, example = 0) => ({ type: Number, minimum: 0, example, description });

export class SeriesPointDto implements SeriesPoint {
  @ApiProperty({ ...DATE_TIME, description: 'Start of the bucket, UTC' }) bucket!: string;
  @ApiProperty(count(`Accounts created in the bucket. ${EXACT}`, 3)) signUps!: number;
  @ApiProperty(count(`Calls that became active in the bucket. ${EXACT}`, 5)) callsStarted!: number;
  @ApiProperty(count(`Minutes of the calls that started in the bucket and have ended (2 decimals). ${EXACT}`, 42.5))
  callMinutes!: number;
  @ApiProperty(
    count(
      `Distinct users who hosted or joined a call that started in the bucket. ${EXACT} (one marker per bucket and user)`,
      4,
    ),
  )
  distinctCallers!: number;
}

export class SeriesTotalsDto {
  @ApiProperty(count(EXACT, 3)) signUps!: number;
  @ApiProperty(count(EXACT, 5)) callsStarted!: number;
  @ApiProperty(count(EXACT, 42.5)) callMinutes!: number;
}

export class AnalyticsSeriesDto implements AnalyticsSeries {
  @ApiProperty({ enum: GRANULARITIES, example: 'day' }) granularity!: Granularity;
  @ApiProperty({ ...DATE_TIME, description: 'Start of the range' }) startDate!: string;
  @ApiProperty({ ...DATE_TIME, example: '2026-12-02T23:59:59.999Z', description: 'End of the range, included' })
  endDate!: string;
  @ApiProperty({ enum: ['UTC'], example: 'UTC', description: 'Buckets are UTC hours, days, ISO weeks and months' })
  timezone!: 'UTC';
  @ApiProperty({ type: [SeriesPointDto], description: 'Every bucket of the range, oldest first; empty ones as 0' })
  series!: SeriesPointDto[];
  @ApiProperty({ type: SeriesTotalsDto }) totals!: SeriesTotalsDto;
}

export class CallTypeCountsDto implements Record<CallType, number> {
  @ApiProperty(count('', 7)) video!: number;
  @ApiProperty(count('', 2)) audio!: number;
}

export class CallModeCountsDto implements Record<CallMode, number> {
  @ApiProperty(count('', 3)) 'one-to-one'!: number;
  @ApiProperty(count('', 6)) group!: number;
}

export class EndReasonCountsDto {
  @ApiProperty(count('', 4)) 'ended-by-host'!: number;
  @ApiProperty(count('')) 'ended-by-admin'!: number;
  @ApiProperty(count('', 3)) 'all-left'!: number;
  @ApiProperty(count('', 1)) declined!: number;
  @ApiProperty(count('')) idle!: number;
  @ApiProperty(count('')) expired!: number;
}

export class CallAnalyticsDto implements CallAnalytics {
  @ApiProperty({ enum: PERIODS, example: '30d' }) period!: Period;
  @ApiProperty({ ...DATE_TIME, description: 'Start of the first bucket of the period' }) from!: string;
  @ApiProperty({ ...DATE_TIME, description: 'When the figures were read' }) to!: string;
  @ApiProperty(count(`Calls that started in the period. ${EXACT}`, 9)) callsStarted!: number;
  @ApiProperty(count(`Of those, the ones that have ended. ${EXACT}`, 8)) callsEnded!: number;
  @ApiProperty({ type: CallTypeCountsDto, description: `Calls started, by type. ${EXACT}` })
  byType!: CallTypeCountsDto;
  @ApiProperty({ type: CallModeCountsDto, description: `Calls started, by mode. ${EXACT}` })
  byMode!: CallModeCountsDto;
  @ApiProperty({ type: EndReasonCountsDto, description: `Calls started in the period that ended, by reason. ${EXACT}` })
  byEndReason!: EndReasonCountsDto;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 312,
    description: `Mean duration in seconds of the ended calls (null: none). ${EXACT}`,
  })
  averageDurationSeconds!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 270,
    description:
      `Median duration in seconds. APPROXIMATE: read from a histogram of ${DURATION_BIN_SECONDS}-second bins ` +
      `(the middle of the bin holding the median, so within ${DURATION_BIN_SECONDS / 2} s; calls of 4 hours or ` +
      'more share one bin, reported as 14400). Null: no ended call.',
  })
  medianDurationSeconds!: number | null;
  @ApiProperty({ example: DURATION_BIN_SECONDS, description: 'Width of the histogram bins, seconds' })
  durationBinSeconds!: number;
  @ApiProperty(count(`Minutes of the ended calls (2 decimals). ${EXACT}`, 41.6)) totalMinutes!: number;
  @ApiProperty(
    count(
      'Most participants joined at once (in all calls together), measured at each join in the period. Kept live ' +
        'by a gauge; a rebuild recomputes it from each participant\u2019s last presence, so it can miss a peak ' +
        'reached before someone rejoined.',
      6,
    ),
  )
  peakConcurrentParticipants!: number;
}

export class RoleCountsDto implements Record<Role, number> {
  @ApiProperty(count('', 40)) user!: number;
  @ApiProperty(count('', 2)) moderator!: number;
  @ApiProperty(count('', 1)) admin!: number;
}

export class StatusCountsDto implements Record<AccountStatus, number> {
  @ApiProperty(count('', 41)) active!: number;
  @ApiProperty(count('', 1)) suspended!: number;
  @ApiProperty(count('', 1)) deleted!: number;
}

export class PlanCountsDto {
  @ApiProperty(count('', 38)) free!: number;
  @ApiProperty(count('', 4)) pro!: number;
  @ApiProperty(count('', 1)) enterprise!: number;
}

export class VerificationCountsDto {
  @ApiProperty(count('', 30)) verified!: number;
  @ApiProperty(count('', 13)) unverified!: number;
}

export class TopHostDto implements TopHost {
  @ApiProperty(USER_ID) id!: string;
  @ApiProperty({ example: 'John', description: 'Empty for an account that no longer exists' }) firstName!: string;
  @ApiProperty({ example: 'Doe' }) lastName!: string;
  @ApiProperty(count('Calls they host that started in the period', 12)) calls!: number;
}

export class UserAnalyticsDto implements UserAnalytics {
  @ApiProperty({ enum: PERIODS, example: '30d' }) period!: Period;
  @ApiProperty({ ...DATE_TIME, description: 'Start of the first bucket of the period' }) from!: string;
  @ApiProperty({ ...DATE_TIME, description: 'When the figures were read' }) to!: string;
  @ApiProperty(count(`Accounts created in the period. ${EXACT}`, 5)) newUsers!: number;
  @ApiProperty({ type: RoleCountsDto, description: `Every account now, by role. ${LIVE_SCAN}` }) byRole!: RoleCountsDto;
  @ApiProperty({ type: StatusCountsDto, description: `Every account now, by status. ${LIVE_SCAN}` })
  byStatus!: StatusCountsDto;
  @ApiProperty({ type: PlanCountsDto, description: `Every account now, by plan. ${LIVE_SCAN}` })
  byPlan!: PlanCountsDto;
  @ApiProperty({ type: VerificationCountsDto, description: `Every account now, by email verification. ${LIVE_SCAN}` })
  byVerification!: VerificationCountsDto;
  @ApiProperty({
    type: [TopHostDto],
    description:
      'Up to 10 users who host the most calls started in the period (the host when the call ended or now). Read ' +
      'live: an aggregation that scans `calls` on the embedded database.',
  })
  topHosts!: TopHostDto[];
}

export class LatestCallHostDto {
  @ApiProperty(USER_ID) id!: string;
  @ApiProperty({ example: 'John', description: 'Empty for an account that no longer exists' }) firstName!: string;
  @ApiProperty({ example: 'Doe' }) lastName!: string;
}

export class LatestCallDto implements LatestCall {
  @ApiProperty({ pattern: '^[A-Za-z0-9_-]{22}$', example: 'Q2FsbElkRXhhbXBsZTEyMw' }) id!: string;
  @ApiProperty({ example: 'Team standup' }) title!: string;
  @ApiProperty({ enum: CALL_TYPES, example: 'video' }) callType!: CallType;
  @ApiProperty({ enum: CALL_MODES, example: 'group' }) callMode!: CallMode;
  @ApiProperty({ enum: CALL_STATUSES, example: 'active' }) status!: CallStatus;
  @ApiProperty({ type: LatestCallHostDto }) host!: LatestCallHostDto;
  @ApiProperty(DATE_TIME) createdAt!: string;
  @ApiProperty({ type: String, nullable: true, ...DATE_TIME }) startedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, ...DATE_TIME, example: null }) endedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: null, description: 'Seconds, once ended' })
  duration!: number | null;
}

export class LatestUserDto implements LatestUser {
  @ApiProperty(USER_ID) id!: string;
  @ApiProperty({ example: 'Jane' }) firstName!: string;
  @ApiProperty({ example: 'Roe' }) lastName!: string;
  @ApiProperty({ example: 'jane@example.com' }) email!: string;
  @ApiProperty({ enum: ROLE_VALUES, example: 'user' }) role!: Role;
  @ApiProperty({ enum: ACCOUNT_STATUS, example: 'active' }) accountStatus!: AccountStatus;
  @ApiProperty(DATE_TIME) createdAt!: string;
}

export class DashboardUsersDto {
  @ApiProperty(count(`Accounts created, minus those deleted. ${EXACT}`, 43)) total!: number;
  @ApiProperty(
    count('Accounts (not deleted) seen in the last 30 days: a presence change or a disconnect. ' + LIVE_SCAN, 20),
  )
  activeLast30Days!: number;
  @ApiProperty(count('Users with a live socket now, on any instance. Read live: one count of live sessions.', 3))
  onlineNow!: number;
  @ApiProperty(count(`Accounts created in the last 7 UTC days, today included. ${EXACT}`, 5))
  newLast7Days!: number;
  @ApiProperty(count(`Suspended accounts. ${LIVE_CACHED}`, 1)) suspended!: number;
  @ApiProperty({
    ...DATE_TIME,
    description:
      'When activeLast30Days and suspended were counted. A request finding them older than 60 s gets them once ' +
      'more while they are counted again in the background.',
  })
  liveCountsAt!: string;
}

export class DashboardCallsDto {
  @ApiProperty(count(`Calls active now. ${EXACT} (a gauge: +1 when a call starts, −1 when it ends)`, 2))
  activeNow!: number;
  @ApiProperty(count(`Calls started today (UTC). ${EXACT}`, 4)) today!: number;
  @ApiProperty(count(`Calls started in the last 7 UTC days, today included. ${EXACT}`, 9))
  last7Days!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 312,
    description: `Mean duration in seconds of every ended call (null: none). ${EXACT}`,
  })
  averageDurationSeconds!: number | null;
  @ApiProperty(count(`Minutes of every ended call (2 decimals). ${EXACT}`, 1234.5)) totalMinutes!: number;
}

export class DashboardDto implements Dashboard {
  @ApiProperty({ type: DashboardUsersDto }) users!: DashboardUsersDto;
  @ApiProperty({ type: DashboardCallsDto }) calls!: DashboardCallsDto;
  @ApiProperty({
    type: [LatestCallDto],
    description: 'The 10 calls created last, newest first (kept as a ring of ids in the rollups; read by id)',
  })
  latestCalls!: LatestCallDto[];
  @ApiProperty({
    type: [LatestUserDto],
    description: 'The 10 accounts created last, newest first (a ring of ids; read by id). Emails are shown to staff.',
  })
  latestUsers!: LatestUserDto[];
  @ApiProperty(DATE_TIME) generatedAt!: string;
}
