import { isDuplicateKey } from '@app/common';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/core.module';
import { EventBus } from '../../core/events';
import { AccountChanges, UserRecord, UsersService } from '../users';
import { hashPassword, meetsPasswordPolicy, PASSWORD_MESSAGE } from '@app/common';

export interface AdminAccount {
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
}

/**
 * - `created`: a new admin account;
 * - `exists`: the email already belongs to an admin (its password is left as it is);
 * - `promoted`: an existing account was made admin (only when asked to);
 * - `not-admin`: the email belongs to a non-admin account, left alone.
 */
export type AdminOutcome = { result: 'created' | 'exists' | 'promoted' | 'not-admin'; user: UserRecord };

/**
 * The first admin account: created at start-up from ADMIN_EMAIL/ADMIN_PASSWORD, or by
 * `npm run cli -- create-admin`. Idempotent, also when several processes start at once: the
 * unique email index decides who creates it.
 */
@Injectable()
export class AdminAccountsService implements OnApplicationBootstrap {
  private readonly log: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly users: UsersService,
    private readonly accounts: AccountChanges,
    private readonly events: EventBus,
  ) {
    this.log = logger.child({ context: 'AdminAccounts' });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.admin) return;
    const { user, result } = await this.ensureAdmin(this.config.admin);
    const fields = { email: user.email, userId: user._id.toHexString() };
    if (result === 'created') this.log.info(fields, 'admin account created');
    else if (result === 'not-admin') {
      this.log.warn(
        { ...fields, role: user.role },
        'ADMIN_EMAIL belongs to an account that is not an admin; left unchanged (promote it with `npm run cli -- create-admin --promote`)',
      );
    } else this.log.debug(fields, 'admin account exists');
  }

  async ensureAdmin(account: AdminAccount, options: { promote?: boolean } = {}): Promise<AdminOutcome> {
    if (!meetsPasswordPolicy(account.password)) {
      throw new Error(`The admin ${PASSWORD_MESSAGE}`);
    }
    const email = account.email.trim().toLowerCase();
    const existing = await this.users.findByEmailWithPassword(email);
    if (existing) return this.settle(existing, options.promote === true);

    await this.users.ready();
    try {
      // Counted as an active admin (the rule that keeps one: docs/architecture.md, "Admin — users").
      const user = await this.accounts.createAdmin({
        firstName: account.firstName ?? 'Admin',
        lastName: account.lastName ?? 'User',
        email,
        passwordHash: await hashPassword(account.password),
        phoneNumber: null,
        isEmailVerified: true,
      });
      this.events.publish('user.registered', {
        userId: user._id.toHexString(),
        role: 'admin',
        at: new Date().toISOString(),
      });
      return { result: 'created', user };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another process created it between our lookup and our insert.
      const winner = await this.users.findByEmailWithPassword(email);
      if (!winner) throw error;
      return this.settle(winner, options.promote === true);
    }
  }

  private async settle(user: UserRecord, promote: boolean): Promise<AdminOutcome> {
    if (user.role === 'admin') return { result: 'exists', user };
    if (!promote) return { result: 'not-admin', user };
    // The same rule as staff changes: an active account promoted is counted as an active admin.
    const promoted = await this.accounts.change(user, { role: 'admin' }, null);
    return { result: 'promoted', user: promoted };
  }
}
