import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { FilterQuery, Model, Types, UpdateQuery } from 'mongoose';
import { Role } from '@app/common';
import { AccountStatus, Presence, User, UserRecord } from './schemas/user.schema';

/** The fields a user's count can be grouped by (admin analytics). */
export type UserCountField = 'role' | 'accountStatus' | 'subscription.plan' | 'isEmailVerified';

/** What rebuilding the admin rollups reads of each account. */
export type UserRollupFacts = Pick<UserRecord, '_id' | 'createdAt' | 'accountStatus'>;

/**
 * Which accounts staff list: by status, role, and a search (`namePatterns`: escaped regular
 * expressions every one of which must match the first or last name; `exactEmail`: compared for
 * equality only).
 */
export interface StaffUserFilter {
  status?: AccountStatus;
  role?: Role;
  namePatterns: string[];
  exactEmail: string | null;
}

export type NewUser = Pick<User, 'firstName' | 'lastName' | 'email' | 'passwordHash' | 'phoneNumber'> &
  Partial<Pick<User, 'role' | 'isEmailVerified'>>;

/** The only place that touches the `users` collection. Lookups by `_id` wherever the id is known. */
@Injectable()
export class UsersRepository {
  constructor(@InjectModel(User.name) private readonly users: Model<User>) {}

  async create(user: NewUser): Promise<UserRecord> {
    const created = await this.users.create(user);
    return created.toObject();
  }

  findById(id: string): Promise<UserRecord | null> {
    if (!Types.ObjectId.isValid(id)) return Promise.resolve(null);
    return this.users.findById(id).lean<UserRecord>().exec();
  }

  /** The status a user chose, or null for an unknown id: one field, not the whole record. */
  async chosenPresence(id: string): Promise<Presence | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const found = await this.users.findById(id, { presence: 1 }).lean<Pick<UserRecord, 'presence'>>().exec();
    return found?.presence ?? null;
  }

  /** Users by id, in no particular order; ids that are not ObjectIds are skipped. */
  findByIds(ids: string[]): Promise<UserRecord[]> {
    const valid = ids.filter((id) => Types.ObjectId.isValid(id));
    if (valid.length === 0) return Promise.resolve([]);
    return this.users
      .find({ _id: { $in: valid.map((id) => new Types.ObjectId(id)) } })
      .lean<UserRecord[]>()
      .exec();
  }

  /** Which of `ids` belong to existing accounts not in `status` (ids only). */
  async idsExcludingStatus(ids: string[], status: AccountStatus): Promise<string[]> {
    const valid = ids.filter((id) => Types.ObjectId.isValid(id));
    if (valid.length === 0) return [];
    // `_id` alone in the filter (the status is checked here): the embedded database answers it by lookups.
    const rows = await this.users
      .find({ _id: { $in: valid.map((id) => new Types.ObjectId(id)) } }, { _id: 1, accountStatus: 1 })
      .lean<{ _id: Types.ObjectId; accountStatus: AccountStatus }[]>()
      .exec();
    return rows.filter((row) => row.accountStatus !== status).map((row) => row._id.toHexString());
  }

  /**
   * Active users other than `excludeId` in whose first or last name every pattern is found,
   * case-insensitively, or whose email is exactly `exactEmail`. `patterns` are escaped regular
   * expressions (see user-search.ts). An `$and` of `$or`s of `$regex`: the embedded database has no
   * `$expr`/`$concat` for a full name. The email field is only ever compared for equality.
   */
  search(patterns: string[], exactEmail: string | null, excludeId: string, limit: number): Promise<UserRecord[]> {
    const byName: FilterQuery<User> = {
      $and: patterns.map((pattern) => ({
        $or: (['firstName', 'lastName'] as const).map((field) => ({ [field]: { $regex: pattern, $options: 'i' } })),
      })),
    };
    const filter: FilterQuery<User> = {
      _id: { $ne: new Types.ObjectId(excludeId) },
      accountStatus: 'active',
      ...(exactEmail === null ? byName : { $or: [{ email: exactEmail }, byName] }),
    };
    return this.users.find(filter).sort({ firstName: 1, lastName: 1, _id: 1 }).limit(limit).lean<UserRecord[]>().exec();
  }

  findByEmailWithPassword(email: string): Promise<UserRecord | null> {
    return this.users.findOne({ email }).select('+passwordHash').lean<UserRecord>().exec();
  }

  findByIdWithPassword(id: string): Promise<UserRecord | null> {
    return this.users.findById(id).select('+passwordHash').lean<UserRecord>().exec();
  }

  update(id: string, changes: Partial<User>): Promise<UserRecord | null> {
    return this.updateAndRead(id, { $set: changes });
  }

  setPresence(id: string, presence: Presence): Promise<UserRecord | null> {
    return this.update(id, { presence, lastSeenAt: new Date() });
  }

  /** Model.init() is memoised: the first call builds the indexes, later calls wait for the same promise. */
  async ready(): Promise<void> {
    await this.users.init();
  }

  /** A new password: every token issued before stops working (token version). */
  setPassword(id: string, passwordHash: string): Promise<UserRecord | null> {
    return this.updateAndRead(id, { $set: { passwordHash }, $inc: { tokenVersion: 1 } });
  }

  /**
   * Update, then read back by `_id`. Not findOneAndUpdate: Mongoose sends a projection for the
   * `select: false` password hash, and FerretDB v1 does not implement findAndModify projections.
   */
  private async updateAndRead(id: string, update: UpdateQuery<User>): Promise<UserRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const { matchedCount } = await this.users.updateOne({ _id: id }, update, { runValidators: true }).exec();
    return matchedCount === 0 ? null : this.findById(id);
  }

  /** Accounts not deleted whose `lastSeenAt` is at or after `since` (admin dashboard; scans on the embedded database). */
  countSeenSince(since: Date): Promise<number> {
    return this.users.countDocuments({ lastSeenAt: { $gte: since }, accountStatus: { $ne: 'deleted' } }).exec();
  }

  countWithStatus(status: AccountStatus): Promise<number> {
    return this.users.countDocuments({ accountStatus: status }).exec();
  }

  /**
   * How many accounts have each value of `field`, by one `$group` with a single `$sum` (the embedded
   * database computes only the first accumulator of a group).
   */
  async countsBy(field: UserCountField): Promise<{ value: unknown; count: number }[]> {
    const rows = await this.users
      .aggregate<{ _id: unknown; count: number }>([{ $group: { _id: `$${field}`, count: { $sum: 1 } } }])
      .exec();
    return rows.map((row) => ({ value: row._id, count: row.count }));
  }

  /** Every account, a batch at a time, with the fields the admin rollups are rebuilt from. */
  eachForRollups(): AsyncIterable<UserRollupFacts> {
    return this.users.find({}, { createdAt: 1, accountStatus: 1 }).lean<UserRollupFacts>().cursor({ batchSize: 1000 });
  }

  /** Accounts whose role is `admin` and status `active` (repairing the active-admin count; scans on the embedded database). */
  countActiveAdmins(): Promise<number> {
    return this.users.countDocuments({ role: 'admin', accountStatus: 'active' }).exec();
  }

  /**
   * Applies `update` only while the account still has the role and status it was read with, then
   * reads it back; null when it changed meanwhile (or does not exist). The active-admin rule
   * depends on it: the count was changed for exactly that role and status.
   */
  async updateIfUnchanged(
    id: string,
    expected: Pick<UserRecord, 'role' | 'accountStatus'>,
    update: UpdateQuery<User>,
  ): Promise<UserRecord | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const { matchedCount } = await this.users
      .updateOne({ _id: id, role: expected.role, accountStatus: expected.accountStatus }, update, {
        runValidators: true,
      })
      .exec();
    return matchedCount === 0 ? null : this.findById(id);
  }

  /**
   * One page of every account matching the staff filter, in `sort` order (`_id` breaks ties), and
   * the total. Scans the collection on the embedded database (no index but `_id` there).
   */
  async staffPage(
    filter: StaffUserFilter,
    sort: Record<string, 1 | -1>,
    skip: number,
    limit: number,
  ): Promise<{ users: UserRecord[]; total: number }> {
    const query: FilterQuery<User> = {};
    if (filter.status) query.accountStatus = filter.status;
    if (filter.role) query.role = filter.role;
    if (filter.namePatterns.length > 0 || filter.exactEmail) {
      const byName = filter.namePatterns.map((pattern) => ({
        $or: (['firstName', 'lastName'] as const).map((field) => ({ [field]: { $regex: pattern, $options: 'i' } })),
      }));
      const alternatives: FilterQuery<User>[] = [];
      if (byName.length > 0) alternatives.push({ $and: byName });
      if (filter.exactEmail) alternatives.push({ email: filter.exactEmail });
      query.$or = alternatives;
    }
    const [users, total] = await Promise.all([
      this.users
        .find(query)
        .sort({ ...sort, _id: 1 })
        .skip(skip)
        .limit(limit)
        .lean<UserRecord[]>()
        .exec(),
      this.users.countDocuments(query).exec(),
    ]);
    return { users, total };
  }
}
