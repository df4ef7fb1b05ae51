import { isDuplicateKey } from '@app/common';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { Contact } from './schemas/contact.schema';

/** An entry of a contact list without the user data: who, and since when. */
export interface ContactEntry {
  contactId: string;
  addedAt: Date;
}

/** The only place that touches the `contacts` collection. Ids arrive validated (24 hex characters). */
@Injectable()
export class ContactsRepository {
  constructor(@InjectModel(Contact.name) private readonly contacts: Model<Contact>) {}

  /** Inserts the pair; `false` when it already exists (the unique index decides, also under races). */
  async add(ownerId: string, contactId: string): Promise<ContactEntry | false> {
    try {
      const created = await this.contacts.create({ ownerId: oid(ownerId), contactId: oid(contactId) });
      return { contactId, addedAt: created.createdAt };
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** `true` when the pair existed and is now gone. */
  async remove(ownerId: string, contactId: string): Promise<boolean> {
    const { deletedCount } = await this.contacts.deleteOne({ ownerId: oid(ownerId), contactId: oid(contactId) }).exec();
    return deletedCount > 0;
  }

  /** Every entry of the owner's list, newest first (ids and dates only; the user data is a second query). */
  async listOf(ownerId: string): Promise<ContactEntry[]> {
    const rows = await this.contacts
      .find({ ownerId: oid(ownerId) }, { contactId: 1, createdAt: 1 })
      .sort({ createdAt: -1, _id: -1 })
      .lean<{ contactId: Types.ObjectId; createdAt: Date }[]>()
      .exec();
    return rows.map((row) => ({ contactId: row.contactId.toHexString(), addedAt: row.createdAt }));
  }

  /** The owners of every list that contains `contactId`. */
  async ownersListing(contactId: string): Promise<string[]> {
    if (!Types.ObjectId.isValid(contactId)) return [];
    const rows = await this.contacts
      .find({ contactId: oid(contactId) }, { ownerId: 1 })
      .lean<{ ownerId: Types.ObjectId }[]>()
      .exec();
    return rows.map((row) => row.ownerId.toHexString());
  }

  /**
   * The pairs between `viewerId` and `userIds`, both directions, in one query: entries of the
   * viewer's list naming one of them, and entries of their lists naming the viewer.
   */
  async pairsWith(viewerId: string, userIds: string[]): Promise<{ ownerId: string; contactId: string }[]> {
    const others = userIds.filter((id) => Types.ObjectId.isValid(id)).map(oid);
    if (others.length === 0) return [];
    const viewer = oid(viewerId);
    const rows = await this.contacts
      .find(
        {
          $or: [
            { ownerId: viewer, contactId: { $in: others } },
            { ownerId: { $in: others }, contactId: viewer },
          ],
        },
        { ownerId: 1, contactId: 1 },
      )
      .lean<{ ownerId: Types.ObjectId; contactId: Types.ObjectId }[]>()
      .exec();
    return rows.map((row) => ({ ownerId: row.ownerId.toHexString(), contactId: row.contactId.toHexString() }));
  }

  /** Removes every pair the user is in, both directions (their account was deleted); how many. */
  async removeEveryPairOf(userId: string): Promise<number> {
    const user = oid(userId);
    const { deletedCount } = await this.contacts.deleteMany({ $or: [{ ownerId: user }, { contactId: user }] }).exec();
    return deletedCount;
  }
}

const oid = (id: string) => new Types.ObjectId(id);
