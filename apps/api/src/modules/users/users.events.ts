import { Presence } from './schemas/user.schema';

/** Published on the in-process event bus; the realtime module turns it into user-online/user-offline. */
export const USER_PRESENCE_CHANGED = 'user.presence.changed';

export interface UserPresenceChanged {
  userId: string;
  status: Presence;
  at: string;
}
