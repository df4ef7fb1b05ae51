import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AppException, ErrorCode } from '@app/common';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { USER_PRESENCE_CHANGED, UserPresenceChanged } from './users.events';
import { Profile, toProfile } from './users.mapper';
import { NewUser, UsersRepository } from './users.repository';
import { Presence, UserRecord } from './schemas/user.schema';

/** Users: profile, presence. Other modules reach users only through this service. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly events: EventEmitter2,
  ) {}

  create(user: NewUser): Promise<UserRecord> {
    return this.users.create(user);
  }

  findById(id: string): Promise<UserRecord | null> {
    return this.users.findById(id);
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

  async getProfile(id: string): Promise<Profile> {
    return toProfile(await this.existing(this.users.findById(id)));
  }

  async updateProfile(id: string, changes: UpdateProfileDto): Promise<Profile> {
    return toProfile(await this.existing(this.users.update(id, { ...changes })));
  }

  /** Sets presence and `lastSeenAt`, and tells the realtime module. */
  async setPresence(id: string, status: Presence): Promise<UserRecord> {
    const user = await this.existing(this.users.setPresence(id, status));
    const event: UserPresenceChanged = { userId: id, status, at: new Date().toISOString() };
    this.events.emit(USER_PRESENCE_CHANGED, event);
    return user;
  }

  private async existing(query: Promise<UserRecord | null>): Promise<UserRecord> {
    const user = await query;
    if (!user) throw new AppException(ErrorCode.NOT_FOUND, 'User not found');
    return user;
  }
}
