import { AccountStatus, Role } from '@app/common';
import { Plan, UserRecord } from '../../users';

/** An account as staff see it: the public fields plus the account's state. Never a hash or token. */
export interface AdminUserView {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  phoneNumber: string | null;
  avatar: string | null;
  role: Role;
  status: AccountStatus;
  plan: Plan;
  isEmailVerified: boolean;
  createdAt: string;
  lastSeenAt: string | null;
  suspensionReason: string | null;
  suspendedAt: string | null;
  deletedAt: string | null;
}

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

export function toAdminUser(user: UserRecord): AdminUserView {
  return {
    id: user._id.toHexString(),
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    phoneNumber: user.phoneNumber ?? null,
    avatar: user.avatar ?? null,
    role: user.role,
    status: user.accountStatus,
    plan: user.subscription?.plan ?? 'free',
    isEmailVerified: user.isEmailVerified,
    createdAt: user.createdAt.toISOString(),
    lastSeenAt: iso(user.lastSeenAt),
    suspensionReason: user.suspensionReason ?? null,
    suspendedAt: iso(user.suspendedAt),
    deletedAt: iso(user.deletedAt),
  };
}

/** The fields of `view` named in `keys` (the audit trail's before/after of a change). */
export function pickFields(view: AdminUserView, keys: (keyof AdminUserView)[]): Partial<AdminUserView> {
  return Object.fromEntries(keys.map((key) => [key, view[key]]));
}
