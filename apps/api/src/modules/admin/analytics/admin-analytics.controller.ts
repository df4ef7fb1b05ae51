import { Get, HttpStatus, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { ResponseMessage } from '@app/common';
import { ApiErrors, ApiSuccess } from '../../../core/swagger/api-responses';
import { AdminController } from '../admin-route';
import { MAX_BUCKETS } from './analytics-range';
import { AnalyticsSeries, AnalyticsService } from './analytics.service';
import { Dashboard, DashboardService } from './dashboard.service';
import { AnalyticsQuery, PeriodQuery } from './dto/analytics.query';
import { AnalyticsSeriesDto, CallAnalyticsDto, DashboardDto, UserAnalyticsDto } from './dto/analytics.response';
import { CallAnalytics, PeriodAnalyticsService, UserAnalytics } from './period-analytics.service';

const TAG = 'Admin: dashboard and analytics';
const SOURCES =
  ' Each figure says where it comes from: exact from the rollups (counters kept as things happen, read by `_id`), ' +
  'approximate (a histogram), or read live (queries that scan on the embedded database).';

/** `GET /api/admin/dashboard`. */
@AdminController('dashboard', TAG)
export class AdminDashboardController {
  constructor(private readonly dashboards: DashboardService) {}

  @Get()
  @ResponseMessage('Dashboard retrieved successfully')
  @ApiOperation({ summary: 'Users, calls, and the latest calls and sign-ups', description: SOURCES.trim() })
  @ApiSuccess(HttpStatus.OK, DashboardDto)
  dashboard(): Promise<Dashboard> {
    return this.dashboards.dashboard();
  }
}

/** `GET /api/admin/analytics`, `/analytics/calls`, `/analytics/users`. */
@AdminController('analytics', TAG)
export class AdminAnalyticsController {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly periods: PeriodAnalyticsService,
  ) {}

  @Get()
  @ResponseMessage('Analytics retrieved successfully')
  @ApiOperation({
    summary: 'Time series of sign-ups, calls started, call minutes and distinct callers',
    description:
      `Buckets in UTC (hour, day, ISO week from Monday, calendar month), every bucket of the range listed, empty ` +
      `ones as zeros, at most ${MAX_BUCKETS}. A call's minutes and callers count in the bucket where it started.` +
      SOURCES,
  })
  @ApiSuccess(HttpStatus.OK, AnalyticsSeriesDto)
  @ApiErrors({
    [HttpStatus.BAD_REQUEST]: `Invalid dates or granularity, endDate not after startDate, or more than ${MAX_BUCKETS} buckets`,
  })
  series(@Query() query: AnalyticsQuery): Promise<AnalyticsSeries> {
    return this.analytics.series(query.startDate, query.endDate, query.granularity);
  }

  @Get('calls')
  @ResponseMessage('Call analytics retrieved successfully')
  @ApiOperation({
    summary: 'Calls of a period: by type, mode and end reason, durations, peak of concurrent participants',
    description: `Counted by the hour or day the call started.${SOURCES}`,
  })
  @ApiSuccess(HttpStatus.OK, CallAnalyticsDto)
  @ApiErrors({ [HttpStatus.BAD_REQUEST]: 'Unknown period' })
  calls(@Query() query: PeriodQuery): Promise<CallAnalytics> {
    return this.periods.callsOf(query.period);
  }

  @Get('users')
  @ResponseMessage('User analytics retrieved successfully')
  @ApiOperation({
    summary: 'Users: new in the period, every account by role, status, plan and verification, top hosts',
    description: SOURCES.trim(),
  })
  @ApiSuccess(HttpStatus.OK, UserAnalyticsDto)
  @ApiErrors({ [HttpStatus.BAD_REQUEST]: 'Unknown period' })
  users(@Query() query: PeriodQuery): Promise<UserAnalytics> {
    return this.periods.usersOf(query.period);
  }
}
