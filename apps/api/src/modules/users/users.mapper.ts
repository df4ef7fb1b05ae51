import { Plan, UserRecord } from './schemas/user.schema';

/** What each plan grants; the profile shows it as `subscription.features`. */
export const PLAN_FEATURES: Readonly<Record<Plan, Readonly<Record<string, number | boolean>>>> = {
  free: { maxParticipants: 4, maxCallMinutes: 40, screenShare: true, recording: false },
  pro: { maxParticipants: 25, maxCallMinutes: 600, screenShare: true, recording: true },
  enterprise: { maxParticipants: 100, maxCallMinutes: 1440, screenShare: true, recording: true },
};

/** The fields anyone who can see a user may see. */
export interface PublicUser {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  avatar: string | null;
  status: UserRecord['presence'];
  lastSeenAt: string | null;
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
