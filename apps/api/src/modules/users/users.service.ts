import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { EventBus } from '../../core/events';
import { Profile, toProfile } from './users.mapper';
import { NewUser, UserCountField, UserRollupFacts, UsersRepository } from './users.repository';
import { AccountStatus, Presence, UserRecord } from './schemas/user.schema';
import { exactEmailQuery, searchPatterns } from './user-search';

/** Users a search found, and the email address the query named in full (the searcher knows it), if any. */
export interface SearchResult {
  users: UserRecord[];
  exactEmail: string | null;
}

/** Users: profile, presence. Other modules reach users only through this service. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly events: EventBus,
  ) {}

  create(user: NewUser): Promise<UserRecord> {
    return this.users.create(user);
  }

  findById(id: string): Promise<UserRecord | null> {
    return this.users.findById(id);
  }

  /** The status a user chose (`PUT /api/auth/status`), or null for an unknown id. */
  chosenPresence(id: string): Promise<Presence | null> {
    return this.users.chosenPresence(id);
  }

  /** Users by id, in no particular order; unknown ids are left out. */
  findByIds(ids: string[]): Promise<UserRecord[]> {
    return this.users.findByIds(ids);
  }

  /** Which of `ids` belong to accounts that exist and are not deleted (active or suspended). */
  async notDeletedAmong(ids: string[]): Promise<Set<string>> {
    return new Set(await this.users.idsExcludingStatus(ids, 'deleted'));
  }

  /**
   * Active users other than the caller whose first or last name contains every word of `query`,
   * case-insensitively and literally (regular-expression characters have no meaning), and the
   * user whose email is the whole query. Records, not views: who may see which email is the
   * contacts module's rule (ContactsService.relationsWith).
   */
  async search(callerId: string, query: string, limit: number): Promise<SearchResult> {
    const patterns = searchPatterns(query);
    const exactEmail = exactEmailQuery(query);
    if (patterns.length === 0) return { users: [], exactEmail };
    return { users: await this.users.search(patterns, exactEmail, callerId, limit), exactEmail };
  }

  findByEmailWithPassword(email: string): Promise<UserRecord | null> {
    return this.users.findByEmailWithPassword(email.trim().toLowerCase());
  }

  findByIdWithPassword(id: string): Promise<UserRecord | null> {
    return this.users.findByIdWithPassword(id);
  }

  setPassword(id: string, passwordHash: string): Promise<UserRecord | null> {
    return this.users.setPassword(id, passwordHash);
  }

  markEmailVerified(id: string): Promise<UserRecord | null> {
    return this.users.update(id, { isEmailVerified: true });
  }

  /** Resolves once the collection and its indexes (the unique email) exist. */
  ready(): Promise<void> {
    return this.users.ready();
  }

  async getProfile(id: string): Promise<Profile> {
    return toProfile(await this.existing(this.users.findById(id)));
  }

  async updateProfile(id: string, changes: UpdateProfileDto): Promise<Profile> {
    return toProfile(await this.existing(this.users.update(id, { ...changes })));
  }

  /** Sets presence and `lastSeenAt`, and tells the realtime module. */
  async setPresence(id: string, status: Presence): Promise<UserRecord> {
    const user = await this.existing(this.users.setPresence(id, status));
    this.events.publish('user.presence.changed', { userId: id, status, at: new Date().toISOString() });
    return user;
  }

  /** The user's last socket closed: when they were last seen, without touching the status they chose. */
  recordLastSeen(id: string): Promise<UserRecord | null> {
    return this.users.update(id, { lastSeenAt: new Date() });
  }

  private async existing(query: Promise<UserRecord | null>): Promise<UserRecord> {
    const user = await query;
    if (!user) throw new AppException(ErrorCode.NOT_FOUND, 'User not found');
    return user;
  }

  /** Accounts not deleted seen (presence change or disconnect) at or after `since`. */
  countSeenSince(since: Date): Promise<number> {
    return this.users.countSeenSince(since);
  }

  countWithStatus(status: AccountStatus): Promise<number> {
    return this.users.countWithStatus(status);
  }

  /** How many accounts have each value of `field` (values without accounts are absent). */
  countsBy(field: UserCountField): Promise<{ value: unknown; count: number }[]> {
    return this.users.countsBy(field);
  }

  /** Every account's creation time and status, a batch at a time (rebuilding the admin rollups). */
  eachForRollups(): AsyncIterable<UserRollupFacts> {
    return this.users.eachForRollups();
  }
}
