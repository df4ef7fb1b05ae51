import { Injectable } from '@nestjs/common';
import { AccountStatus, Role } from '@app/common';
import { escapeRegExp, exactEmailQuery } from '../user-search';
import { UserRecord } from '../schemas/user.schema';
import { UsersRepository } from '../users.repository';

/** How staff may order the list of accounts: a closed list, `-` for descending. */
export const STAFF_USER_SORTS = [
  'createdAt',
  '-createdAt',
  'lastName',
  '-lastName',
  'email',
  '-email',
  'lastSeenAt',
  '-lastSeenAt',
] as const;
export type StaffUserSort = (typeof STAFF_USER_SORTS)[number];

export interface StaffUserListing {
  status?: AccountStatus;
  role?: Role;
  /** Words each of which must start a word of the first or last name, or the whole email. */
  search?: string;
  sort: StaffUserSort;
  skip: number;
  limit: number;
}

const SORT_FIELDS: Readonly<Record<string, string[]>> = {
  createdAt: ['createdAt'],
  lastName: ['lastName', 'firstName'],
  email: ['email'],
  lastSeenAt: ['lastSeenAt'],
};

/**
 * Every account as staff list it (any status, deleted ones included unless filtered out). A search
 * word matches the start of a word of a name (`jo` finds "John" and "Mary Jones"), literally
 * (escaped); the email is compared only with the whole query, as the people search does.
 */
@Injectable()
export class AccountDirectory {
  constructor(private readonly users: UsersRepository) {}

  list(listing: StaffUserListing): Promise<{ users: UserRecord[]; total: number }> {
    const words = listing.search ? [...new Set(listing.search.trim().toLowerCase().split(/\s+/).filter(Boolean))] : [];
    const descending = listing.sort.startsWith('-');
    const fields = SORT_FIELDS[listing.sort.replace(/^-/, '')];
    const sort = Object.fromEntries(fields.map((field) => [field, descending ? -1 : 1])) as Record<string, 1 | -1>;
    return this.users.staffPage(
      {
        status: listing.status,
        role: listing.role,
        namePatterns: words.map((word) => `(^|[\\s'-])${escapeRegExp(word)}`),
        exactEmail: listing.search ? exactEmailQuery(listing.search) : null,
      },
      sort,
      listing.skip,
      listing.limit,
    );
  }
}
