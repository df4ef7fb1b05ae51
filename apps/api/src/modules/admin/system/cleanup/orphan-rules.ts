/**
 * Documents that point at a call or a user that no longer exists. A user who was deleted by an
 * admin keeps an anonymised document (status `deleted`): their contacts count as orphaned (the
 * delete removes them both ways; leftovers are debris), their participations and messages do
 * not (their calls stay in others' history).
 */
export interface OrphanRule {
  category: OrphanCategory;
  collection: string;
  refs: { field: string; target: 'calls' | 'users' | 'liveUsers' }[];
}

export const ORPHAN_CATEGORIES = [
  'orphanedChatMessages',
  'orphanedParticipants',
  'orphanedInvitations',
  'orphanedContacts',
] as const;
export type OrphanCategory = (typeof ORPHAN_CATEGORIES)[number];

export const ORPHAN_RULES: readonly OrphanRule[] = [
  { category: 'orphanedChatMessages', collection: 'chat_messages', refs: [{ field: 'callId', target: 'calls' }] },
  {
    category: 'orphanedParticipants',
    collection: 'call_participants',
    refs: [
      { field: 'callId', target: 'calls' },
      { field: 'userId', target: 'users' },
    ],
  },
  {
    category: 'orphanedInvitations',
    collection: 'call_invitations',
    refs: [
      { field: 'callId', target: 'calls' },
      { field: 'inviteeId', target: 'users' },
    ],
  },
  {
    category: 'orphanedContacts',
    collection: 'contacts',
    refs: [
      { field: 'ownerId', target: 'liveUsers' },
      { field: 'contactId', target: 'liveUsers' },
    ],
  },
];
