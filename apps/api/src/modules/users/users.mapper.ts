import { Plan, UserRecord } from './schemas/user.schema';

/** What each plan grants; the profile shows it as `subscription.features`. */
export const PLAN_FEATURES: Readonly<Record<Plan, Readonly<Record<string, number | boolean>>>> = {
  free: { maxParticipants: 4, maxCallMinutes: 40, screenShare: true, recording: false },
  pro: { maxParticipants: 25, maxCallMinutes: 600, screenShare: true, recording: true },
  enterprise: { maxParticipants: 100, maxCallMinutes: 1440, screenShare: true, recording: true },
};

/** A user's own account as the API shows it to that user (register, login, status): with the email. */
export interface PublicUser {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  avatar: string | null;
  status: UserRecord['presence'];
  lastSeenAt: string | null;
}

/**
 * A user as the API shows them to someone else: `email` is null unless the viewer may see it
 * (the rule is the contacts module's: ContactsService.relationsWith). The field is always there, so
 * the shape does not change with the viewer.
 */
export interface UserView extends Omit<PublicUser, 'email'> {
  email: string | null;
}

export interface Profile extends PublicUser {
  phoneNumber: string | null;
  role: UserRecord['role'];
  isEmailVerified: boolean;
  preferences: Record<string, unknown>;
  subscription: { plan: Plan; features: Readonly<Record<string, number | boolean>> };
  createdAt: string;
}

export function toPublicUser(user: UserRecord): PublicUser {
  return {
    id: user._id.toHexString(),
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    avatar: user.avatar ?? null,
    status: user.presence,
    lastSeenAt: user.lastSeenAt ? user.lastSeenAt.toISOString() : null,
  };
}

/**
 * The status others see: the one the user chose while they have a live socket, `offline`
 * otherwise (a user's own views show the chosen one).
 */
export function visibleStatus(user: UserRecord, connected: boolean): UserRecord['presence'] {
  return connected ? user.presence : 'offline';
}

/**
 * Use only with the answer of the email rule (ContactRelations.showsEmail), never with a constant
 * `true`; `connected`: whether the user has a live socket (UserConnections).
 */
export function toUserView(user: UserRecord, showEmail: boolean, connected: boolean): UserView {
  return { ...toPublicUser(user), email: showEmail ? user.email : null, status: visibleStatus(user, connected) };
}

export function toProfile(user: UserRecord): Profile {
  const plan = user.subscription?.plan ?? 'free';
  return {
    ...toPublicUser(user),
    phoneNumber: user.phoneNumber ?? null,
    role: user.role,
    isEmailVerified: user.isEmailVerified,
    preferences: user.preferences ?? {},
    subscription: { plan, features: PLAN_FEATURES[plan] },
    createdAt: user.createdAt.toISOString(),
  };
}
