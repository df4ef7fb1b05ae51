import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types, UpdateQuery } from 'mongoose';
import { Presence, User, UserRecord } from './schemas/user.schema';

export type NewUser = Pick<User, 'firstName' | 'lastName' | 'email' | 'passwordHash' | 'phoneNumber'> &
  Partial<Pick<User, 'role' | 'isEmailVerified'>>;

/** The only place that touches the `users` collection. Lookups by `_id` wherever the id is known. */
@Injectable()
export class UsersRepository {
  constructor(@InjectModel(User.name) private readonly users: Model<User>) {}

  async create(user: NewUser): Promise<UserRecord> {
    const created = await this.users.create(user);
    return created.toObject() as UserRecord;
  }

  findById(id: string): Promise<UserRecord | null> {
    if (!Types.ObjectId.isValid(id)) return Promise.resolve(null);
    return this.users.findById(id).lean<UserRecord>().exec();
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
}
