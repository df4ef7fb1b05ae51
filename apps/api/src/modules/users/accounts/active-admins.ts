import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Logger } from 'pino';
import { AccountStatus, Role } from '@app/common';
import { LOGGER } from '../../../core/core.module';
import { UsersRepository } from '../users.repository';
import { ActiveAdminCountRepository } from './active-admin-count.repository';

/** Whether an account with this role and status counts as an active admin. */
export function isActiveAdmin(role: Role, status: AccountStatus): boolean {
  return role === 'admin' && status === 'active';
}

/**
 * The rule "there is always at least one active admin", held across processes without
 * transactions: the count lives in one document (`user_counters`, `_id: 'active-admins'`).
 * Whoever is about to make an active admin stop being one (demote, suspend, delete) first takes one
 * from the count with a write that succeeds only while two or more remain; whoever makes one
 * (creation, promotion, activation) adds one after the account's write. So two racing demotions of
 * the last two admins cannot both pass: the second finds `n: 1`.
 *
 * A crash between the two writes leaves the count one too LOW (taken but the account unchanged, or
 * the account promoted but not yet counted): the rule errs on the safe side (a demotion may be
 * refused that could have passed), never the unsafe one. Start-up repairs the count from the users
 * collection (`repair`); until the counter exists, the first writer creates it from the same count
 * before its own write (`ready`).
 */
@Injectable()
export class ActiveAdmins implements OnApplicationBootstrap {
  private readonly log: Logger;
  private initialised?: Promise<void>;

  constructor(
    private readonly count: ActiveAdminCountRepository,
    private readonly users: UsersRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'ActiveAdmins' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.repair();
  }

  /** Resolves once the counter exists: created from the users collection if it never was. */
  ready(): Promise<void> {
    this.initialised ??= this.initialise().catch((error: unknown) => {
      this.initialised = undefined;
      throw error;
    });
    return this.initialised;
  }

  /**
   * Sets the count to the number of active admins in the users collection when they differ (after
   * a crash between the two writes, a restore, or accounts edited by hand). The stored value is
   * read before the users are counted and replaced only if unchanged since, so a change that
   * completed meanwhile is never overwritten. One window remains: a change on another process
   * that took from the count before the read but has not yet written the account is counted
   * twice; repairs run only at start-up to keep that rare.
   */
  async repair(): Promise<void> {
    const stored = await this.count.read();
    const actual = await this.users.countActiveAdmins();
    if (stored === null) {
      await this.count.createIfMissing(actual);
      return;
    }
    if (stored === actual) return;
    const replaced = await this.count.replace(stored, actual);
    this.log.warn({ stored, actual, replaced }, 'active admin count repaired from the users collection');
  }

  /** Takes one active admin from the count; false when that would leave none (the change must not happen). */
  async takeOne(): Promise<boolean> {
    await this.ready();
    return this.count.takeOneIfAnotherRemains();
  }

  /**
   * Counts one more active admin (after the account's write; call `ready` before that write, or
   * the counter could be created from a count that already includes it), or gives back what
   * `takeOne` took.
   */
  async addOne(): Promise<void> {
    await this.ready();
    await this.count.addOne();
  }

  private async initialise(): Promise<void> {
    if ((await this.count.read()) !== null) return;
    await this.count.createIfMissing(await this.users.countActiveAdmins());
  }
}
