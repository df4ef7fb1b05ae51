import { UserView, UserRecord } from '../users';
import { ContactRelations } from './contact-relations';

/**
 * A contact as the API shows it: the user as the owner may see them (email only when the contact
 * has the owner in their own list), with current presence, and when it was added.
 */
export interface ContactView extends UserView {
  addedAt: string;
}

export function toContactView(user: UserRecord, addedAt: Date, relations: ContactRelations): ContactView {
  return { ...relations.view(user), addedAt: addedAt.toISOString() };
}

/** A contact who has not added you back: no email. */
export const CONTACT_EXAMPLE: ContactView = {
  id: '665f1c2ab3e4d5f6a7b8c9d0',
  firstName: 'Jane',
  lastName: 'Smith',
  email: null,
  avatar: null,
  status: 'online',
  lastSeenAt: '2026-01-01T10:00:00.000Z',
  addedAt: '2026-01-01T09:00:00.000Z',
};

/** A contact who has you in their own list too: their email is shown. */
export const MUTUAL_CONTACT_EXAMPLE: ContactView = {
  id: '665f1c2ab3e4d5f6a7b8c9d1',
  firstName: 'Ann',
  lastName: 'Lee',
  email: 'ann.lee@example.com',
  avatar: null,
  status: 'offline',
  lastSeenAt: '2026-01-01T08:00:00.000Z',
  addedAt: '2026-01-01T07:00:00.000Z',
};
