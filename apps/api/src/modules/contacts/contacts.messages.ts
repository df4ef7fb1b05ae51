/** The contacts module's error messages (codes are the shared ErrorCode). */
export const CONTACT_MESSAGES = {
  self: 'You cannot add yourself as a contact',
  userNotFound: 'User not found',
  alreadyContact: 'This user is already in your contacts',
  notAContact: 'This user is not in your contacts',
} as const;
