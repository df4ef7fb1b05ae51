import { Injectable } from '@nestjs/common';
import { AccountStatus, CallMode, CallStatus, CallType, Role } from '@app/common';
import { CallAnalyticsService } from '../../calls';
import { UserConnections, UsersService } from '../../users';
import { LiveUserCountsService } from './live-user-counts';
import { lastBuckets } from './analytics-period';
import { bucketKey } from './rollups/buckets';
import { counterOf, FIELD, minutes, sumCounters, TOTAL_ID } from './rollups/rollup-counters';
import { RECENT_CALLS, RECENT_USERS, RollupsRepository } from './rollups/rollups.repository';

export interface LatestCall {
  id: string;
  title: string;
  callType: CallType;
  callMode: CallMode;
  status: CallStatus;
  host: { id: string; firstName: string; lastName: string };
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  duration: number | null;
}

export interface LatestUser {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  role: Role;
  accountStatus: AccountStatus;
  createdAt: string;
}

export interface Dashboard {
  users: {
    total: number;
    activeLast30Days: number;
    onlineNow: number;
    newLast7Days: number;
    suspended: number;
    liveCountsAt: string;
  };
  calls: {
    activeNow: number;
    today: number;
    last7Days: number;
    averageDurationSeconds: number | null;
    totalMinutes: number;
  };
  latestCalls: LatestCall[];
  latestUsers: LatestUser[];
  generatedAt: string;
}

/** The rollup counters the dashboard shows (series counters: no breakdown or histogram is read). */
const DASHBOARD_FIELDS = [
  FIELD.signUps,
  FIELD.deletedUsers,
  FIELD.callsStarted,
  FIELD.callsEnded,
  FIELD.callSeconds,
  FIELD.callsActive,
];

/**
 * `GET /api/admin/dashboard`. From the rollups (by `_id`, 9 documents): totals, gauges, the last 7
 * day buckets (today's among them), the rings of the latest calls and sign-ups. Read live: online now (one count
 * of live sessions), active in 30 days and suspended (LiveUserCountsService: counts that scan
 * `users` on the embedded database, at most a minute old). The latest calls and sign-ups are then
 * read by `_id`.
 */
@Injectable()
export class DashboardService {
  constructor(
    private readonly rollups: RollupsRepository,
    private readonly users: UsersService,
    private readonly connections: UserConnections,
    private readonly liveCounts: LiveUserCountsService,
    private readonly calls: CallAnalyticsService,
  ) {}

  async dashboard(now = new Date()): Promise<Dashboard> {
    const week = lastBuckets('day', 7, now);
    const todayKey = bucketKey('day', now);
    const [docs, live, onlineNow, latestCalls, latestUsers] = await Promise.all([
      this.rollups.read([TOTAL_ID, ...week.keys], DASHBOARD_FIELDS),
      this.liveCounts.counts(now),
      this.connections.countAll(),
      this.latestCalls(),
      this.latestUsers(),
    ]);
    const total = docs.get(TOTAL_ID);
    const lastWeek = sumCounters(week.keys.map((key) => docs.get(key) ?? {}));
    const ended = counterOf(total, FIELD.callsEnded);
    const seconds = counterOf(total, FIELD.callSeconds);
    return {
      users: {
        total: counterOf(total, FIELD.signUps) - counterOf(total, FIELD.deletedUsers),
        activeLast30Days: live.activeLast30Days,
        onlineNow,
        newLast7Days: lastWeek[FIELD.signUps] ?? 0,
        suspended: live.suspended,
        liveCountsAt: live.countedAt.toISOString(),
      },
      calls: {
        activeNow: Math.max(0, counterOf(total, FIELD.callsActive)),
        today: counterOf(docs.get(todayKey), FIELD.callsStarted),
        last7Days: lastWeek[FIELD.callsStarted] ?? 0,
        averageDurationSeconds: ended > 0 ? Math.round(seconds / ended) : null,
        totalMinutes: minutes(seconds),
      },
      latestCalls,
      latestUsers,
      generatedAt: now.toISOString(),
    };
  }

  private async latestCalls(): Promise<LatestCall[]> {
    const entries = await this.rollups.recent(RECENT_CALLS);
    const calls = new Map((await this.calls.callsByIds(entries.map((e) => e.id))).map((c) => [c._id, c]));
    const ordered = entries.map((e) => calls.get(e.id)).filter((c) => c !== undefined);
    const hosts = new Map(
      (await this.users.findByIds(ordered.map((c) => c.hostId.toHexString()))).map((u) => [u._id.toHexString(), u]),
    );
    return ordered.map((call) => {
      const host = hosts.get(call.hostId.toHexString());
      return {
        id: call._id,
        title: call.title,
        callType: call.callType,
        callMode: call.callMode,
        status: call.status,
        host: { id: call.hostId.toHexString(), firstName: host?.firstName ?? '', lastName: host?.lastName ?? '' },
        createdAt: call.createdAt.toISOString(),
        startedAt: call.startedAt?.toISOString() ?? null,
        endedAt: call.endedAt?.toISOString() ?? null,
        duration: call.duration ?? null,
      };
    });
  }

  private async latestUsers(): Promise<LatestUser[]> {
    const entries = await this.rollups.recent(RECENT_USERS);
    const users = new Map((await this.users.findByIds(entries.map((e) => e.id))).map((u) => [u._id.toHexString(), u]));
    return entries
      .map((e) => users.get(e.id))
      .filter((u) => u !== undefined)
      .map((user) => ({
        id: user._id.toHexString(),
        firstName: user.firstName,
        lastName: user.lastName,
        email: user.email,
        role: user.role,
        accountStatus: user.accountStatus,
        createdAt: user.createdAt.toISOString(),
      }));
  }
}
