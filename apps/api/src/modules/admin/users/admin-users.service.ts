import { Injectable } from '@nestjs/common';
import { AppException, AuthUser, ErrorCode } from '@app/common';
import { CallStaffQueries, UserCallStats } from '../../calls';
import { AccountChanges, AccountDirectory, UserRecord, UsersService } from '../../users';
import { AuditChanges } from '../system';
import { AdminUserView, pickFields, toAdminUser } from './admin-user.mapper';
import { AdminUserPaginationDto } from './dto/admin-user.response';
import { AdminUsersQuery } from './dto/admin-users.query';
import { UpdateUserDto } from './dto/update-user.dto';

export interface AdminUserPage {
  users: AdminUserView[];
  pagination: AdminUserPaginationDto;
}

const MESSAGES = {
  notFound: 'User not found',
  moderatorTarget: 'Moderators may manage only accounts whose role is user',
  moderatorFields: 'Only admins may change roles and subscription plans',
  self: 'You cannot demote, suspend or delete your own account',
  nothing: 'Nothing to change: give at least one of firstName, lastName, role, status, plan',
  alreadySuspended: 'The account is already suspended',
  notSuspended: 'The account is not suspended',
} as const;

/** Which fields of the view each request field changes (the audit trail's before/after). */
const VIEW_FIELDS: Readonly<Record<keyof UpdateUserDto, keyof AdminUserView>> = {
  firstName: 'firstName',
  lastName: 'lastName',
  role: 'role',
  status: 'status',
  plan: 'plan',
};

/**
 * User management for staff. Who may do what is decided here (moderators: names and status of
 * `user` accounts; admins: everything; nobody demotes, suspends or deletes themselves); the users
 * module keeps the invariants (the last active admin, conditional writes) and publishes the events
 * that end sockets, hosted calls and contacts. Calls come in only as figures (CallStaffQueries).
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: UsersService,
    private readonly directory: AccountDirectory,
    private readonly accounts: AccountChanges,
    private readonly calls: CallStaffQueries,
  ) {}

  async list(query: AdminUsersQuery): Promise<AdminUserPage> {
    const { page, limit } = query;
    const { users, total } = await this.directory.list({
      status: query.status,
      role: query.role,
      search: query.search,
      sort: query.sort,
      skip: (page - 1) * limit,
      limit,
    });
    return { users: users.map(toAdminUser), pagination: { page, limit, total, pages: Math.ceil(total / limit) } };
  }

  async details(userId: string): Promise<{ user: AdminUserView; stats: UserCallStats }> {
    const user = await this.target(userId);
    return { user: toAdminUser(user), stats: await this.calls.statsOfUser(user._id.toHexString()) };
  }

  async update(me: AuthUser, userId: string, body: UpdateUserDto, audit: AuditChanges): Promise<AdminUserView> {
    const fields = (Object.keys(VIEW_FIELDS) as (keyof UpdateUserDto)[]).filter((key) => body[key] !== undefined);
    if (fields.length === 0) throw new AppException(ErrorCode.BAD_REQUEST, MESSAGES.nothing);
    if (me.role !== 'admin' && (body.role !== undefined || body.plan !== undefined)) {
      throw new AppException(ErrorCode.FORBIDDEN, MESSAGES.moderatorFields);
    }
    const user = await this.manageable(me, userId);
    const demotesOrSuspends =
      (body.role !== undefined && body.role !== user.role) ||
      (body.status === 'suspended' && user.accountStatus !== 'suspended');
    if (demotesOrSuspends) this.notSelf(me, user);
    return this.audited(
      audit,
      user,
      fields.map((key) => VIEW_FIELDS[key]),
      () => this.accounts.change(user, body, me.id),
    );
  }

  async suspend(me: AuthUser, userId: string, reason: string, audit: AuditChanges): Promise<AdminUserView> {
    const user = await this.manageable(me, userId);
    this.notSelf(me, user);
    if (user.accountStatus === 'suspended') throw new AppException(ErrorCode.CONFLICT, MESSAGES.alreadySuspended);
    return this.audited(audit, user, ['status', 'suspensionReason'], () =>
      this.accounts.change(user, { status: 'suspended', reason }, me.id),
    );
  }

  async activate(me: AuthUser, userId: string, audit: AuditChanges): Promise<AdminUserView> {
    const user = await this.manageable(me, userId);
    if (user.accountStatus !== 'suspended') throw new AppException(ErrorCode.CONFLICT, MESSAGES.notSuspended);
    return this.audited(audit, user, ['status', 'suspensionReason'], () =>
      this.accounts.change(user, { status: 'active' }, me.id),
    );
  }

  /** Admins only (the route says so). */
  async delete(me: AuthUser, userId: string, audit: AuditChanges): Promise<AdminUserView> {
    const user = await this.target(userId);
    this.notSelf(me, user);
    return this.audited(audit, user, ['status'], () => this.accounts.delete(user, me.id));
  }

  /** Runs the change and tells the audit trail the named fields before and after. */
  private async audited(
    audit: AuditChanges,
    user: UserRecord,
    keys: (keyof AdminUserView)[],
    change: () => Promise<UserRecord>,
  ): Promise<AdminUserView> {
    const after = toAdminUser(await change());
    audit.changed(pickFields(toAdminUser(user), keys), pickFields(after, keys));
    return after;
  }

  /** The account, if the caller may manage it: moderators only `user` accounts (403 otherwise). */
  private async manageable(me: AuthUser, userId: string): Promise<UserRecord> {
    const user = await this.target(userId);
    if (me.role !== 'admin' && user.role !== 'user')
      throw new AppException(ErrorCode.FORBIDDEN, MESSAGES.moderatorTarget);
    return user;
  }

  private notSelf(me: AuthUser, user: UserRecord): void {
    if (user._id.toHexString() === me.id) throw new AppException(ErrorCode.FORBIDDEN, MESSAGES.self);
  }

  /** 404 for an unknown or malformed id. */
  private async target(userId: string): Promise<UserRecord> {
    const user = await this.users.findById(userId.toLowerCase());
    if (!user) throw new AppException(ErrorCode.NOT_FOUND, MESSAGES.notFound);
    return user;
  }
}
