import { CallMode, CallStatus, CallType, EndReason } from './schemas/call.schema';
import { ParticipantRole } from './schemas/call-participant.schema';
import { InvitationStatus } from './schemas/call-invitation.schema';
import { MessageType } from './schemas/chat-message.schema';

/**
 * Domain events of the calls module, published on the in-process EventEmitter2 bus after the
 * change is stored. The realtime module turns them into Socket.IO events; payloads carry the ids
 * it needs (rooms are calls: `callId`; user rooms: user ids). Dates are ISO strings.
 */
export const CALL_EVENTS = {
  created: 'call.created',
  invited: 'call.invited',
  invitationResponded: 'call.invitation.responded',
  participantJoined: 'call.participant.joined',
  participantLeft: 'call.participant.left',
  hostChanged: 'call.host.changed',
  mediaUpdated: 'call.media.updated',
  chatMessage: 'call.chat.message',
  ended: 'call.ended',
} as const;

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
  /** Users who were joined when the call ended (now marked left). */
  participantIds: string[];
}
