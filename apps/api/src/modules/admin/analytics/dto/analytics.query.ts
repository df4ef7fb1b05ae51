import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, ValidateBy } from 'class-validator';
import { isIsoDateTime } from '@app/common';
import { isDateOnly, MAX_BUCKETS } from '../analytics-range';
import { Period, PERIODS } from '../analytics-period';
import { GRANULARITIES, Granularity } from '../rollups/buckets';

/** A date (`2026-12-02`, the whole day in UTC) or a full ISO 8601 date-time with a zone. */
const IsRangeBound = () =>
  ValidateBy({
    name: 'isRangeBound',
    validator: {
      validate: (value: unknown) => isDateOnly(value) || isIsoDateTime(value),
      defaultMessage: (args) =>
        `${args?.property} must be a date (2026-12-02) or an ISO 8601 date-time with a time zone (2026-12-02T13:00:00Z)`,
    },
  });

const BOUND = 'A date (the whole day, UTC) or an ISO 8601 date-time with a time zone.';

/** `GET /api/admin/analytics`. */
export class AnalyticsQuery {
  @ApiProperty({ example: '2026-11-01', description: `${BOUND} Included.` })
  @IsRangeBound()
  startDate!: string;

  @ApiProperty({
    example: '2026-11-30',
    description: `${BOUND} Included (a date: up to the end of that day). Must be after startDate.`,
  })
  @IsRangeBound()
  endDate!: string;

  @ApiPropertyOptional({
    enum: GRANULARITIES,
    default: 'day',
    description:
      `Bucket size, in UTC: hours, days, ISO weeks (Monday 00:00 to Monday) or calendar months; at most ` +
      `${MAX_BUCKETS} buckets per request`,
  })
  @IsOptional()
  @IsIn(GRANULARITIES)
  granularity: Granularity = 'day';
}

/** `GET /api/admin/analytics/calls` and `/users`. */
export class PeriodQuery {
  @ApiPropertyOptional({
    enum: PERIODS,
    default: '30d',
    description:
      'The last 24 or 168 whole hours (24h, 7d) or the last 30, 90 or 365 UTC days (30d, 90d, 1y), the current ' +
      'hour or day included',
  })
  @IsOptional()
  @IsIn(PERIODS)
  period: Period = '30d';
}
