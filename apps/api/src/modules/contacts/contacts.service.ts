import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { UserConnections, UsersService } from '../users';
import { ContactRelations } from './contact-relations';
import { CONTACT_MESSAGES } from './contacts.messages';
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
 * Also the home of the rule for showing another user's email (ContactRelations), since it is
 * decided by contact lists.
 */
@Injectable()
export class ContactsService {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly users: UsersService,
    private readonly connections: UserConnections,
  ) {}

  /**
   * Newest first. Four queries, no `$lookup` (the embedded database has none): the owner's
   * entries (ids and dates), which of those users are not deleted, the page's users by id, and
   * which of them have the owner in their own list (their email).
   */
  async list(ownerId: string, limit: number, skip: number): Promise<ContactPage> {
    const entries = await this.contacts.listOf(ownerId);
    const listable = await this.users.notDeletedAmong(entries.map((e) => e.contactId));
    const visible = entries.filter((e) => listable.has(e.contactId));
    const page = visible.slice(skip, skip + limit);
    const pageIds = page.map((e) => e.contactId);
    const [users, relations] = await Promise.all([this.users.findByIds(pageIds), this.relationsWith(ownerId, pageIds)]);
    const byId = new Map(users.map((u) => [u._id.toHexString(), u]));
    const contacts = page.flatMap((entry) => {
      const user = byId.get(entry.contactId);
      return user ? [toContactView(user, entry.addedAt, relations)] : [];
    });
    return { contacts, total: visible.length, limit, skip };
  }

  async add(ownerId: string, contactUserId: string): Promise<ContactView> {
    const contactId = contactUserId.toLowerCase();
    if (contactId === ownerId) throw new AppException(ErrorCode.BAD_REQUEST, CONTACT_MESSAGES.self);
    const user = await this.users.findById(contactId);
    if (!user || user.accountStatus !== 'active') {
      throw new AppException(ErrorCode.NOT_FOUND, CONTACT_MESSAGES.userNotFound);
    }
    const entry = await this.contacts.add(ownerId, contactId);
    if (!entry) throw new AppException(ErrorCode.CONFLICT, CONTACT_MESSAGES.alreadyContact);
    return toContactView(user, entry.addedAt, await this.relationsWith(ownerId, [contactId]));
  }

  async remove(ownerId: string, contactUserId: string): Promise<void> {
    const removed = await this.contacts.remove(ownerId, contactUserId.toLowerCase());
    if (!removed) throw new AppException(ErrorCode.NOT_FOUND, CONTACT_MESSAGES.notAContact);
  }

  /**
   * How `viewerId` stands to `userIds` (who is in whose list) and which of them are connected (on
   * any instance), in two queries whatever the number of users: what the email rule, the
   * `isContact` flag and the status others see need. Every place that shows other users
   * (REST answers, socket payloads) shows them through `relationsWith(viewer, ids).view(user)`.
   */
  async relationsWith(viewerId: string, userIds: string[]): Promise<ContactRelations> {
    const ids = [...new Set(userIds.map((id) => id.toLowerCase()))];
    const others = ids.filter((id) => id !== viewerId);
    const [pairs, connected] = await Promise.all([
      this.contacts.pairsWith(viewerId, others),
      this.connections.connectedAmong(ids),
    ]);
    const listedByViewer = new Set(pairs.filter((p) => p.ownerId === viewerId).map((p) => p.contactId));
    const listingViewer = new Set(pairs.filter((p) => p.contactId === viewerId).map((p) => p.ownerId));
    return new ContactRelations(viewerId, listedByViewer, listingViewer, (id) => connected.has(id));
  }

  /** Who has `userId` in their own contact list: the users told when that user's presence changes. */
  ownersListing(userId: string): Promise<string[]> {
    return this.contacts.ownersListing(userId);
  }
}
