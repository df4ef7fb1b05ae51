import { PublicUser, toPublicUser } from '../users/users.mapper';
import { UserRecord } from '../users/schemas/user.schema';

/** A contact as the API shows it: the public user with its current presence, and when it was added. */
export interface ContactView extends PublicUser {
  addedAt: string;
}

export function toContactView(user: UserRecord, addedAt: Date): ContactView {
  return { ...toPublicUser(user), addedAt: addedAt.toISOString() };
}

export const CONTACT_EXAMPLE: ContactView = {
  id: '665f1c2ab3e4d5f6a7b8c9d0',
  firstName: 'Jane',
  lastName: 'Smith',
  email: 'jane.smith@example.com',
  avatar: null,
  status: 'online',
  lastSeenAt: '2026-01-01T10:00:00.000Z',
  addedAt: '2026-01-01T09:00:00.000Z',
};
