import { Injectable } from '@nestjs/common';
import { ACCOUNT_STATUS, AccountStatus, CallMode, CallType, EndReason, Role, ROLE_VALUES } from '@app/common';
import { CallAnalyticsService } from '../../calls';
import { Plan, PLANS, UserCountField, UsersService } from '../../users';
import { Period, periodWindow } from './analytics-period';
import {
  callModeBreakdown,
  callTypeBreakdown,
  counterOf,
  DURATION_BIN_SECONDS,
  endReasonBreakdown,
  FIELD,
  medianDuration,
  minutes,
  sumCounters,
} from './rollups/rollup-counters';
import { RollupsRepository } from './rollups/rollups.repository';

export const TOP_HOSTS = 10;

export interface CallAnalytics {
  period: Period;
  from: string;
  to: string;
  callsStarted: number;
  callsEnded: number;
  byType: Record<CallType, number>;
  byMode: Record<CallMode, number>;
  byEndReason: Record<EndReason, number>;
  averageDurationSeconds: number | null;
  medianDurationSeconds: number | null;
  durationBinSeconds: number;
  totalMinutes: number;
  peakConcurrentParticipants: number;
}

export interface TopHost {
  id: string;
  firstName: string;
  lastName: string;
  calls: number;
}

export interface UserAnalytics {
  period: Period;
  from: string;
  to: string;
  newUsers: number;
  byRole: Record<Role, number>;
  byStatus: Record<AccountStatus, number>;
  byPlan: Record<Plan, number>;
  byVerification: { verified: number; unverified: number };
  topHosts: TopHost[];
}

/** `GET /api/admin/analytics/calls` and `/users` (what is exact, approximate or live: their Swagger text). */
@Injectable()
export class PeriodAnalyticsService {
  constructor(
    private readonly rollups: RollupsRepository,
    private readonly users: UsersService,
    private readonly callRecords: CallAnalyticsService,
  ) {}

  async callsOf(period: Period, now = new Date()): Promise<CallAnalytics> {
    const window = periodWindow(period, now);
    const docs = [...(await this.rollups.read(window.keys)).values()];
    const sum = sumCounters(docs);
    const ended = sum[FIELD.callsEnded] ?? 0;
    const seconds = sum[FIELD.callSeconds] ?? 0;
    return {
      period,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      callsStarted: sum[FIELD.callsStarted] ?? 0,
      callsEnded: ended,
      byType: callTypeBreakdown(sum),
      byMode: callModeBreakdown(sum),
      byEndReason: endReasonBreakdown(sum),
      averageDurationSeconds: ended > 0 ? Math.round(seconds / ended) : null,
      medianDurationSeconds: medianDuration(sum),
      durationBinSeconds: DURATION_BIN_SECONDS,
      totalMinutes: minutes(seconds),
      peakConcurrentParticipants: Math.max(0, ...docs.map((doc) => counterOf(doc, FIELD.peakParticipants))),
    };
  }

  async usersOf(period: Period, now = new Date()): Promise<UserAnalytics> {
    const window = periodWindow(period, now);
    const [docs, byRole, byStatus, byPlan, byVerification, top] = await Promise.all([
      this.rollups.read(window.keys),
      this.countsBy('role', ROLE_VALUES),
      this.countsBy('accountStatus', ACCOUNT_STATUS),
      this.countsBy('subscription.plan', PLANS),
      this.countsBy('isEmailVerified', [true, false]),
      this.callRecords.topHosts(window.from, TOP_HOSTS),
    ]);
    return {
      period,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      newUsers: sumCounters(docs.values())[FIELD.signUps] ?? 0,
      byRole,
      byStatus,
      byPlan,
      byVerification: { verified: byVerification.true, unverified: byVerification.false },
      topHosts: await this.named(top),
    };
  }

  /** Accounts per value of `field`, every value present (0 when none). A live query: it scans. */
  private async countsBy<V extends string | boolean>(field: UserCountField, values: readonly V[]) {
    const rows = await this.users.countsBy(field);
    const counts = Object.fromEntries(values.map((value) => [String(value), 0]));
    for (const row of rows) {
      const key = String(row.value);
      if (key in counts) counts[key] += row.count;
    }
    return counts as Record<`${V}`, number>;
  }

  private async named(top: { hostId: string; calls: number }[]): Promise<TopHost[]> {
    const users = new Map(
      (await this.users.findByIds(top.map((row) => row.hostId))).map((u) => [u._id.toHexString(), u]),
    );
    return top.map(({ hostId, calls }) => ({
      id: hostId,
      firstName: users.get(hostId)?.firstName ?? '',
      lastName: users.get(hostId)?.lastName ?? '',
      calls,
    }));
  }
}
