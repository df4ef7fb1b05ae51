import {
  CallMode,
  CallStatus,
  CallType,
  EndReason,
  InvitationStatus,
  MessageType,
  ParticipantRole,
  Presence,
  Role,
} from '@app/common';

/*
 * The domain events: what happened, published by the module that owns the change, after the
 * change is stored. Payloads are plain JSON (ids as strings, dates as ISO strings), so the same
 * payload can cross to other instances over Redis. An event is a notification, never the only
 * record of something that must hold (docs/architecture.md, "Domain events").
 */

export interface CallCreatedEvent {
  callId: string;
  channelName: string;
  hostId: string;
  title: string;
  callType: CallType;
  callMode: CallMode;
  status: CallStatus;
}

export interface CallInvitedEvent {
  callId: string;
  channelName: string;
  title: string;
  callType: CallType;
  callMode: CallMode;
  invitedBy: string;
  inviteeIds: string[];
}

export interface CallInvitationRespondedEvent {
  callId: string;
  channelName: string;
  userId: string;
  response: Extract<InvitationStatus, 'accepted' | 'declined'>;
  hostId: string;
}

export interface CallParticipantJoinedEvent {
  callId: string;
  channelName: string;
  userId: string;
  agoraUid: number;
  role: ParticipantRole;
  /** The first join of a scheduled call made it active. */
  callStarted: boolean;
}

export interface CallParticipantLeftEvent {
  callId: string;
  channelName: string;
  userId: string;
  agoraUid: number;
}

export interface CallHostChangedEvent {
  callId: string;
  channelName: string;
  previousHostId: string;
  newHostId: string;
}

export interface CallMediaUpdatedEvent {
  callId: string;
  channelName: string;
  userId: string;
  agoraUid: number;
  audioEnabled: boolean;
  videoEnabled: boolean;
  screenSharing: boolean;
}

export interface CallChatMessageEvent {
  callId: string;
  channelName: string;
  messageId: string;
  senderId: string;
  message: string;
  messageType: MessageType;
  createdAt: string;
}

export interface CallEndedEvent {
  callId: string;
  channelName: string;
  reason: EndReason;
  /** The user whose action ended the call (host, last leaver, decliner); null for housekeeping. */
  endedBy: string | null;
  duration: number;
  callType: CallType;
  callMode: CallMode;
  /** The host when it ended. */
  hostId: string;
  /** When the call became active (null for a scheduled call that never started), and when it ended. */
  startedAt: string | null;
  endedAt: string;
  /** Users who were joined when the call ended (now marked left). */
  participantIds: string[];
}

/**
 * A user's socket entered or left a call's Socket.IO room (join-room, leave-room, a disconnect, a
 * resumed connection): every instance keeps who is in which room, to relay WebRTC signals.
 */
export interface CallRoomMembershipEvent {
  callId: string;
  userId: string;
}

export interface UserPresenceChangedEvent {
  userId: string;
  status: Presence;
  at: string;
}

/**
 * Tokens of a user stopped working: one token at logout (`jti`), or every token issued before
 * `tokenVersion` after a password change or reset. Sockets opened with them are to be closed.
 */
export type UserTokensRevokedEvent = { userId: string; at: string } & (
  { reason: 'logout'; jti: string } | { reason: 'password-changed' | 'password-reset'; tokenVersion: number }
);

export interface UserSuspendedEvent {
  userId: string;
  /** The admin or moderator who suspended the account; null for the system. */
  by: string | null;
  at: string;
}

export interface UserDeletedEvent {
  userId: string;
  by: string | null;
  at: string;
}

/** An account was created (registration, the start-up bootstrap or the CLI). */
export interface UserRegisteredEvent {
  userId: string;
  role: Role;
  at: string;
}

/** A moderator or admin removed a participant from a call; they may rejoin only if invited again. */
export interface CallParticipantKickedEvent {
  callId: string;
  channelName: string;
  userId: string;
  /** The moderator or admin who kicked them. */
  by: string;
  at: string;
}

export interface UserRoleChangedEvent {
  userId: string;
  role: Role;
  previousRole: Role;
  /** The admin who changed it; null for the start-up bootstrap or the CLI. */
  by: string | null;
  at: string;
}

/** Event name → payload: the one map `EventBus.publish` and `@OnDomainEvent` are typed against. */
export interface DomainEvents {
  'call.created': CallCreatedEvent;
  'call.invited': CallInvitedEvent;
  'call.invitation.responded': CallInvitationRespondedEvent;
  'call.participant.joined': CallParticipantJoinedEvent;
  'call.participant.left': CallParticipantLeftEvent;
  'call.host.changed': CallHostChangedEvent;
  'call.media.updated': CallMediaUpdatedEvent;
  'call.chat.message': CallChatMessageEvent;
  'call.participant.kicked': CallParticipantKickedEvent;
  'call.ended': CallEndedEvent;
  'call.room.joined': CallRoomMembershipEvent;
  'call.room.left': CallRoomMembershipEvent;
  'user.presence.changed': UserPresenceChangedEvent;
  'user.tokens.revoked': UserTokensRevokedEvent;
  'user.suspended': UserSuspendedEvent;
  'user.deleted': UserDeletedEvent;
  'user.role.changed': UserRoleChangedEvent;
  'user.registered': UserRegisteredEvent;
}

export type DomainEventName = keyof DomainEvents;

/** Every event name, checked against the map at compile time (a missing or extra name fails). */
export const DOMAIN_EVENT_NAMES = [
  'call.created',
  'call.invited',
  'call.invitation.responded',
  'call.participant.joined',
  'call.participant.left',
  'call.host.changed',
  'call.media.updated',
  'call.chat.message',
  'call.participant.kicked',
  'call.ended',
  'call.room.joined',
  'call.room.left',
  'user.presence.changed',
  'user.tokens.revoked',
  'user.suspended',
  'user.deleted',
  'user.role.changed',
  'user.registered',
] as const satisfies readonly DomainEventName[];
type UnlistedName = Exclude<DomainEventName, (typeof DOMAIN_EVENT_NAMES)[number]>;
/** Fails to compile while a name of the map is missing from DOMAIN_EVENT_NAMES. */
export const EVERY_EVENT_NAME_LISTED: [UnlistedName] extends [never] ? true : never = true;
