import { Injectable } from '@nestjs/common';

/**
 * Whether a user has a live socket, as the realtime gateway reports it (the gateway depends on
 * users, never the other way, so it writes here and users and contacts read here). What other
 * users see of someone's status is derived from it (`visibleStatus`).
 *
 * One instance's view: a count of live sockets per user in memory, which a crash forgets together
 * with the sockets themselves, so it cannot go stale. Several instances need a shared count (a
 * Redis hash of per-instance leases the gateway renews, so an instance that dies stops counting
 * when its lease runs out); this class is the one place to swap.
 */
@Injectable()
export class UserConnections {
  private readonly sockets = new Map<string, number>();

  isConnected(userId: string): boolean {
    return this.sockets.has(userId);
  }

  /** A socket of the user opened; `true` when it is the user's first (they just became visible). */
  opened(userId: string): boolean {
    const count = this.sockets.get(userId) ?? 0;
    this.sockets.set(userId, count + 1);
    return count === 0;
  }

  /** A socket of the user closed; `true` when it was the user's last. */
  closed(userId: string): boolean {
    const count = this.sockets.get(userId) ?? 0;
    if (count <= 1) {
      this.sockets.delete(userId);
      return count === 1;
    }
    this.sockets.set(userId, count - 1);
    return false;
  }
}
