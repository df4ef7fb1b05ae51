import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { isDuplicateKey } from '@app/common';
import { ACTIVE_ADMINS_ID, UserCounter } from '../schemas/user-counter.schema';

/** The count of active admins: one document, changed only by writes with the rule in their filter. */
@Injectable()
export class ActiveAdminCountRepository {
  constructor(@InjectModel(UserCounter.name) private readonly counters: Model<UserCounter>) {}

  /** The stored count; null while it has never been initialised. */
  async read(): Promise<number | null> {
    const counter = await this.counters.findById(ACTIVE_ADMINS_ID).lean<UserCounter>().exec();
    return counter ? counter.n : null;
  }

  /** Creates the counter with `n` unless it exists (several processes may try at once: one insert wins). */
  async createIfMissing(n: number): Promise<void> {
    try {
      await this.counters.updateOne({ _id: ACTIVE_ADMINS_ID }, { $setOnInsert: { n } }, { upsert: true }).exec();
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Replaces the count, only while it is still `expected` (a repair never overwrites a change it did not see). */
  async replace(expected: number, n: number): Promise<boolean> {
    const { modifiedCount } = await this.counters
      .updateOne({ _id: ACTIVE_ADMINS_ID, n: expected }, { $set: { n } })
      .exec();
    return modifiedCount > 0;
  }

  /** One active admin less, only while at least two remain: false when this would leave none. */
  async takeOneIfAnotherRemains(): Promise<boolean> {
    const { modifiedCount } = await this.counters
      .updateOne({ _id: ACTIVE_ADMINS_ID, n: { $gt: 1 } }, { $inc: { n: -1 } })
      .exec();
    return modifiedCount > 0;
  }

  /** One active admin more: a promotion or activation, or giving back what a failed change took. */
  async addOne(): Promise<void> {
    await this.counters.updateOne({ _id: ACTIVE_ADMINS_ID }, { $inc: { n: 1 } }).exec();
  }
}
