import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { UsersService } from '../users/users.service';
import { CONTACT_ERRORS } from './contacts.errors';
import { ContactView, toContactView } from './contacts.mapper';
import { ContactsRepository } from './contacts.repository';

export interface ContactPage {
  contacts: ContactView[];
  total: number;
  limit: number;
  skip: number;
}

/**
 * A user's own contact list. Each user sees and changes only their own list (the owner is always
 * the caller). Lists are one-directional. Contacts whose account was deleted are hidden;
 * suspended ones stay listed (the relationship survives a suspension that may be lifted), but a
 * suspended or deleted user cannot be newly added (404, the same answer as for an unknown id).
 */
@Injectable()
export class ContactsService {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly users: UsersService,
  ) {}

  /**
   * Newest first. Three queries, no `$lookup` (the embedded database has none): the owner's
   * entries (ids and dates), which of those users are not deleted, then the page's users by id.
   */
  async list(ownerId: string, limit: number, skip: number): Promise<ContactPage> {
    const entries = await this.contacts.listOf(ownerId);
    const listable = await this.users.notDeletedAmong(entries.map((e) => e.contactId));
    const visible = entries.filter((e) => listable.has(e.contactId));
    const page = visible.slice(skip, skip + limit);
    const byId = new Map(
      (await this.users.findByIds(page.map((e) => e.contactId))).map((u) => [u._id.toHexString(), u]),
    );
    const contacts = page.flatMap((entry) => {
      const user = byId.get(entry.contactId);
      return user ? [toContactView(user, entry.addedAt)] : [];
    });
    return { contacts, total: visible.length, limit, skip };
  }

  async add(ownerId: string, contactUserId: string): Promise<ContactView> {
    const contactId = contactUserId.toLowerCase();
    if (contactId === ownerId) throw new AppException(ErrorCode.BAD_REQUEST, CONTACT_ERRORS.self);
    const user = await this.users.findById(contactId);
    if (!user || user.accountStatus !== 'active') {
      throw new AppException(ErrorCode.NOT_FOUND, CONTACT_ERRORS.userNotFound);
    }
    const entry = await this.contacts.add(ownerId, contactId);
    if (!entry) throw new AppException(ErrorCode.CONFLICT, CONTACT_ERRORS.alreadyContact);
    return toContactView(user, entry.addedAt);
  }

  async remove(ownerId: string, contactUserId: string): Promise<void> {
    const removed = await this.contacts.remove(ownerId, contactUserId.toLowerCase());
    if (!removed) throw new AppException(ErrorCode.NOT_FOUND, CONTACT_ERRORS.notAContact);
  }

  /** Which of `userIds` are in the owner's list (for the `isContact` flag of user search). */
  contactIdsAmong(ownerId: string, userIds: string[]): Promise<Set<string>> {
    return this.contacts.contactIdsAmong(ownerId, userIds);
  }
}
