import { Injectable } from '@nestjs/common';
import { UsersService } from '../../users';

const DAY_MS = 24 * 3_600_000;
/** How old the counts may be before a dashboard request starts counting again. */
export const LIVE_COUNTS_MAX_AGE_MS = 60_000;

export interface LiveUserCounts {
  activeLast30Days: number;
  suspended: number;
  countedAt: Date;
}

/**
 * The dashboard's user counts that no rollup holds: accounts seen in the last 30 days and
 * suspended accounts. Each is a count that scans `users` on the embedded database (about a second at
 * 10,000 users on 2 cores), so the dashboard does not wait for it on every request: it answers with
 * the last counts while they are younger than LIVE_COUNTS_MAX_AGE_MS, and once they are older it
 * answers with them one more time while counting again in the background. Only the first request
 * of the process waits.
 */
@Injectable()
export class LiveUserCountsService {
  private last?: LiveUserCounts;
  private counting?: Promise<LiveUserCounts>;

  constructor(private readonly users: UsersService) {}

  async counts(now = new Date()): Promise<LiveUserCounts> {
    if (!this.last) return this.refresh();
    if (now.getTime() - this.last.countedAt.getTime() >= LIVE_COUNTS_MAX_AGE_MS) {
      // A failed count leaves the last one in place; the next request tries again.
      this.refresh().catch(() => undefined);
    }
    return this.last;
  }

  /** Counts now (joining a count already under way). */
  refresh(): Promise<LiveUserCounts> {
    this.counting ??= this.count().finally(() => {
      this.counting = undefined;
    });
    return this.counting;
  }

  private async count(): Promise<LiveUserCounts> {
    const countedAt = new Date();
    const [activeLast30Days, suspended] = await Promise.all([
      this.users.countSeenSince(new Date(countedAt.getTime() - 30 * DAY_MS)),
      this.users.countWithStatus('suspended'),
    ]);
    this.last = { activeLast30Days, suspended, countedAt };
    return this.last;
  }
}
