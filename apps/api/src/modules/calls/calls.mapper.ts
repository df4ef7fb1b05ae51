import { UserRecord } from '../users';
import { AgoraCredentials } from './agora-token.service';
import { CallMode, CallRecord, CallStatus, CallType, EndReason } from './schemas/call.schema';
import { InvitationRecord, InvitationStatus } from './schemas/call-invitation.schema';
import { ParticipantRecord, ParticipantRole, ParticipantState } from './schemas/call-participant.schema';
import { ChatMessageRecord, MessageType } from './schemas/chat-message.schema';

/** A user as calls show them. */
export interface CallUser {
  id: string;
  firstName: string;
  lastName: string;
}

export interface CallSettingsView {
  allowChat: boolean;
  allowScreenShare: boolean;
  allowRecording: boolean;
  muteOnJoin: boolean;
  requirePassword: boolean;
}

export interface ParticipantView {
  user: CallUser;
  role: ParticipantRole;
  agoraUid: number;
  state: ParticipantState;
  joinedAt: string;
  leftAt: string | null;
  audioEnabled: boolean;
  videoEnabled: boolean;
  screenSharing: boolean;
}

export interface InvitationView {
  user: CallUser;
  invitedBy: string;
  status: InvitationStatus;
  invitedAt: string;
  respondedAt: string | null;
}

export interface CallView {
  id: string;
  channelName: string;
  title: string;
  description: string;
  callType: CallType;
  callMode: CallMode;
  status: CallStatus;
  maxParticipants: number;
  joinedCount: number;
  scheduledFor: string | null;
  startedAt: string | null;
  endedAt: string | null;
  duration: number | null;
  endReason: EndReason | null;
  settings: CallSettingsView;
  host: CallUser;
  participants?: ParticipantView[];
  invitations?: InvitationView[];
  createdAt: string;
  agoraConfig?: AgoraCredentials | null;
}

export interface ChatMessageView {
  id: string;
  callId: string;
  sender: CallUser;
  message: string;
  messageType: MessageType;
  createdAt: string;
}

export type UserLookup = ReadonlyMap<string, UserRecord>;

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

/** A deleted or unknown user still appears, by id. */
export function toCallUser(id: string, users: UserLookup): CallUser {
  const user = users.get(id);
  return { id, firstName: user?.firstName ?? '', lastName: user?.lastName ?? '' };
}

/** Settings without the password hash: never mapped. */
function toSettingsView(call: CallRecord): CallSettingsView {
  const s = call.settings;
  return {
    allowChat: s.allowChat,
    allowScreenShare: s.allowScreenShare,
    allowRecording: s.allowRecording,
    muteOnJoin: s.muteOnJoin,
    requirePassword: s.requirePassword,
  };
}

export function toParticipantView(p: ParticipantRecord, users: UserLookup): ParticipantView {
  return {
    user: toCallUser(p.userId.toHexString(), users),
    role: p.role,
    agoraUid: p.agoraUid,
    state: p.state,
    joinedAt: p.joinedAt.toISOString(),
    leftAt: iso(p.leftAt),
    audioEnabled: p.audioEnabled,
    videoEnabled: p.videoEnabled,
    screenSharing: p.screenSharing,
  };
}

export function toInvitationView(i: InvitationRecord, users: UserLookup): InvitationView {
  return {
    user: toCallUser(i.inviteeId.toHexString(), users),
    invitedBy: i.invitedBy.toHexString(),
    status: i.status,
    invitedAt: i.createdAt.toISOString(),
    respondedAt: iso(i.respondedAt),
  };
}

export function toCallView(
  call: CallRecord,
  users: UserLookup,
  extra: { participants?: ParticipantRecord[]; invitations?: InvitationRecord[] } = {},
): CallView {
  const view: CallView = {
    id: call._id,
    channelName: call.channelName,
    title: call.title,
    description: call.description ?? '',
    callType: call.callType,
    callMode: call.callMode,
    status: call.status,
    maxParticipants: call.maxParticipants,
    joinedCount: Math.max(0, call.joinedCount),
    scheduledFor: iso(call.scheduledFor),
    startedAt: iso(call.startedAt),
    endedAt: iso(call.endedAt),
    duration: call.duration ?? null,
    endReason: call.endReason ?? null,
    settings: toSettingsView(call),
    host: toCallUser(call.hostId.toHexString(), users),
    createdAt: call.createdAt.toISOString(),
  };
  if (extra.participants) view.participants = extra.participants.map((p) => toParticipantView(p, users));
  if (extra.invitations) view.invitations = extra.invitations.map((i) => toInvitationView(i, users));
  return view;
}

export function toChatMessageView(m: ChatMessageRecord, users: UserLookup): ChatMessageView {
  return {
    id: m._id.toHexString(),
    callId: m.callId,
    sender: toCallUser(m.senderId.toHexString(), users),
    message: m.message,
    messageType: m.messageType,
    createdAt: m.createdAt.toISOString(),
  };
}

const EXAMPLE_USER: CallUser = { id: '665f1c2ab3e4d5f6a7b8c9d0', firstName: 'John', lastName: 'Doe' };
const EXAMPLE_CHANNEL = 'vc_3f9a1c0e5b7d4e2f8a6c1b0d9e8f7a6b';

export const AGORA_EXAMPLE: AgoraCredentials = {
  token: '007eJxTYBBa...',
  uid: 1,
  channelName: EXAMPLE_CHANNEL,
  appId: '0123456789abcdef0123456789abcdef',
  expiry: '2026-01-01T11:00:00.000Z',
};

export const PARTICIPANT_EXAMPLE: ParticipantView = {
  user: EXAMPLE_USER,
  role: 'host',
  agoraUid: 1,
  state: 'joined',
  joinedAt: '2026-01-01T10:00:00.000Z',
  leftAt: null,
  audioEnabled: true,
  videoEnabled: true,
  screenSharing: false,
};

export const CALL_EXAMPLE: CallView = {
  id: 'Qm9Yt3x_Lr8aWZc2-PkV1w',
  channelName: EXAMPLE_CHANNEL,
  title: 'Team Meeting',
  description: 'Weekly team sync',
  callType: 'video',
  callMode: 'group',
  status: 'active',
  maxParticipants: 10,
  joinedCount: 1,
  scheduledFor: null,
  startedAt: '2026-01-01T10:00:00.000Z',
  endedAt: null,
  duration: null,
  endReason: null,
  settings: {
    allowChat: true,
    allowScreenShare: true,
    allowRecording: false,
    muteOnJoin: false,
    requirePassword: false,
  },
  host: EXAMPLE_USER,
  participants: [PARTICIPANT_EXAMPLE],
  createdAt: '2026-01-01T10:00:00.000Z',
};

export const CHAT_MESSAGE_EXAMPLE: ChatMessageView = {
  id: '6660a1b2c3d4e5f6a7b8c9e1',
  callId: CALL_EXAMPLE.id,
  sender: EXAMPLE_USER,
  message: 'Hello everyone!',
  messageType: 'text',
  createdAt: '2026-01-01T10:05:00.000Z',
};
