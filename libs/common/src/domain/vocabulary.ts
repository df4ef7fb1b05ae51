/**
 * The API's vocabulary: the closed sets of values that requests, responses, stored documents and
 * domain events share. Declared once here so every layer (schemas, DTOs, events) names the same set.
 */

export const ROLE_VALUES = ['user', 'moderator', 'admin'] as const;
export type Role = (typeof ROLE_VALUES)[number];

export const PRESENCE = ['online', 'away', 'busy', 'offline'] as const;
export type Presence = (typeof PRESENCE)[number];

export const ACCOUNT_STATUS = ['active', 'suspended', 'deleted'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUS)[number];

export const CALL_TYPES = ['video', 'audio'] as const;
export type CallType = (typeof CALL_TYPES)[number];

export const CALL_MODES = ['one-to-one', 'group'] as const;
export type CallMode = (typeof CALL_MODES)[number];

export const CALL_STATUSES = ['scheduled', 'active', 'ended'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const END_REASONS = ['ended-by-host', 'ended-by-admin', 'all-left', 'declined', 'idle', 'expired'] as const;
export type EndReason = (typeof END_REASONS)[number];

export const PARTICIPANT_ROLES = ['host', 'participant'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

export const INVITATION_STATUSES = ['pending', 'accepted', 'declined', 'missed'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const MESSAGE_TYPES = ['text', 'emoji', 'system'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
