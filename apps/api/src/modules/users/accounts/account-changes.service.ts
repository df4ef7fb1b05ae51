import { Injectable } from '@nestjs/common';
import { UpdateQuery } from 'mongoose';
import { AppException, ErrorCode, Role } from '@app/common';
import { EventBus } from '../../../core/events';
import { Plan, User, UserRecord } from '../schemas/user.schema';
import { NewUser, UsersRepository } from '../users.repository';
import { ActiveAdmins, isActiveAdmin } from './active-admins';

/** What staff may change of an account (a missing field stays as it is). */
export interface AccountChangeSet {
  firstName?: string;
  lastName?: string;
  role?: Role;
  plan?: Plan;
  status?: 'active' | 'suspended';
  /** Stored when the change suspends the account. */
  reason?: string | null;
}

/**
 * No bcrypt hash starts with `!` (the shadow-password convention): bcrypt answers every password
 * with "no match", so a deleted account's password can never be used again.
 */
export const UNUSABLE_PASSWORD_HASH = '!deleted';

export const LAST_ADMIN_MESSAGE = 'The last active admin cannot be demoted, suspended or deleted';
export const ACCOUNT_CHANGED_MESSAGE = 'The account changed meanwhile; read it again and retry';

/**
 * Changes to accounts made by staff or the admin bootstrap: names, role, plan, suspension,
 * activation and deletion. Each is one conditional write on the account (its role and status as
 * read), bracketed by the active-admin count when it makes or unmakes an active admin
 * (ActiveAdmins). Who may ask for which change is the caller's rule; this service keeps the
 * invariants that hold whoever asks. Effects on sockets, calls and contacts follow from the
 * events (`user.suspended`, `user.deleted`, `user.role.changed`).
 */
@Injectable()
export class AccountChanges {
  constructor(
    private readonly users: UsersRepository,
    private readonly admins: ActiveAdmins,
    private readonly events: EventBus,
  ) {}

  /**
   * Creates an account with the role `admin` (the bootstrap and the CLI), counted as an active
   * admin once stored. A duplicate email fails as `create` does, and is not counted.
   */
  async createAdmin(user: Omit<NewUser, 'role'>): Promise<UserRecord> {
    await this.admins.ready();
    const created = await this.users.create({ ...user, role: 'admin' });
    await this.admins.addOne();
    return created;
  }

  /**
   * Applies `changes`; 409 when it would leave no active admin, when the account is deleted, or
   * when its role or status changed since it was read. `by`: the staff member, null for the
   * bootstrap and the CLI.
   */
  async change(user: UserRecord, changes: AccountChangeSet, by: string | null): Promise<UserRecord> {
    if (user.accountStatus === 'deleted') throw new AppException(ErrorCode.CONFLICT, 'The account is deleted');
    const now = new Date();
    const role = changes.role ?? user.role;
    const status = changes.status ?? user.accountStatus;
    const suspending = user.accountStatus !== 'suspended' && status === 'suspended';
    const activating = user.accountStatus === 'suspended' && status === 'active';
    const set: Record<string, unknown> = {};
    if (changes.firstName !== undefined) set.firstName = changes.firstName;
    if (changes.lastName !== undefined) set.lastName = changes.lastName;
    if (changes.plan !== undefined) set['subscription.plan'] = changes.plan;
    if (role !== user.role) set.role = role;
    if (status !== user.accountStatus) set.accountStatus = status;
    if (suspending) Object.assign(set, { suspensionReason: changes.reason ?? null, suspendedAt: now });
    if (activating) Object.assign(set, { suspensionReason: null, suspendedAt: null });
    // Suspension revokes every token issued so far: they stay dead after a later activation.
    const update: UpdateQuery<User> = suspending ? { $set: set, $inc: { tokenVersion: 1 } } : { $set: set };

    const updated = await this.guarded(user, isActiveAdmin(role, status), update);
    const userId = user._id.toHexString();
    if (role !== user.role) {
      this.events.publish('user.role.changed', { userId, role, previousRole: user.role, by, at: now.toISOString() });
    }
    if (suspending) this.events.publish('user.suspended', { userId, by, at: now.toISOString() });
    return updated;
  }

  /**
   * Deletes the account by anonymising it: names, email (a unique placeholder), phone, avatar and
   * preferences are replaced, the password made unusable, every token revoked, the status set to
   * `deleted`. The document stays, so calls and messages that name the user still resolve (to
   * "Deleted User"). 409 as `change`.
   */
  async delete(user: UserRecord, by: string | null): Promise<UserRecord> {
    if (user.accountStatus === 'deleted') throw new AppException(ErrorCode.CONFLICT, 'The account is already deleted');
    const now = new Date();
    const userId = user._id.toHexString();
    const update: UpdateQuery<User> = {
      $set: {
        firstName: 'Deleted',
        lastName: 'User',
        email: `deleted-${userId}@deleted.invalid`,
        passwordHash: UNUSABLE_PASSWORD_HASH,
        phoneNumber: null,
        avatar: null,
        preferences: {},
        presence: 'offline',
        accountStatus: 'deleted',
        suspensionReason: null,
        suspendedAt: null,
        deletedAt: now,
      },
      $inc: { tokenVersion: 1 },
    };
    const deleted = await this.guarded(user, false, update);
    this.events.publish('user.deleted', { userId, by, at: now.toISOString() });
    return deleted;
  }

  /**
   * The account's write with the active-admin count around it: an active admin who stops being one
   * is taken from the count first (409 if none would remain), one who becomes one is added after.
   * If the account changed since it was read, what was taken is given back (409).
   */
  private async guarded(user: UserRecord, activeAdminAfter: boolean, update: UpdateQuery<User>): Promise<UserRecord> {
    const activeAdminBefore = isActiveAdmin(user.role, user.accountStatus);
    const leaving = activeAdminBefore && !activeAdminAfter;
    const joining = !activeAdminBefore && activeAdminAfter;
    if (joining) await this.admins.ready();
    if (leaving && !(await this.admins.takeOne())) throw new AppException(ErrorCode.CONFLICT, LAST_ADMIN_MESSAGE);
    const id = user._id.toHexString();
    let updated: UserRecord | null;
    try {
      updated = await this.users.updateIfUnchanged(id, user, update);
    } catch (error) {
      if (leaving) await this.admins.addOne();
      throw error;
    }
    if (!updated) {
      if (leaving) await this.admins.addOne();
      throw new AppException(ErrorCode.CONFLICT, ACCOUNT_CHANGED_MESSAGE);
    }
    if (joining) await this.admins.addOne();
    return updated;
  }
}
