import { ApiProperty } from '@nestjs/swagger';
import { AgoraCredentials } from '../agora-token.service';
import {
  AGORA_EXAMPLE,
  CALL_EXAMPLE,
  CallSettingsView,
  CallUser,
  CallView,
  CHAT_MESSAGE_EXAMPLE,
  ChatMessageView,
  InvitationView,
  PARTICIPANT_EXAMPLE,
  ParticipantView,
} from '../calls.mapper';
import { ChatPage } from '../media-chat/media-chat.service';
import { CallPage } from '../queries/call-queries.service';
import {
  CALL_MODES,
  CALL_STATUSES,
  CALL_TYPES,
  CallMode,
  CallStatus,
  CallType,
  END_REASONS,
  EndReason,
} from '../schemas/call.schema';
import { INVITATION_STATUSES, InvitationStatus } from '../schemas/call-invitation.schema';
import {
  PARTICIPANT_ROLES,
  PARTICIPANT_STATES,
  ParticipantRole,
  ParticipantState,
} from '../schemas/call-participant.schema';
import { MESSAGE_TYPES, MessageType } from '../schemas/chat-message.schema';

/** Response shapes of calls (calls.mapper.ts), for the OpenAPI document, with examples that match them. */

const USER_ID = { pattern: '^[0-9a-f]{24}$', example: CALL_EXAMPLE.host.id, description: 'User id' };
const CALL_ID = {
  pattern: '^[A-Za-z0-9_-]{22}$',
  example: CALL_EXAMPLE.id,
  description: 'Call id: 22 characters of base64url',
};
const DATE_TIME = { format: 'date-time', example: '2026-01-01T10:00:00.000Z' };
const NULLABLE_DATE_TIME = { type: String, nullable: true, ...DATE_TIME };

export class CallUserDto implements CallUser {
  @ApiProperty(USER_ID) id!: string;
  @ApiProperty({ example: 'John', description: 'Empty for an account that no longer exists' }) firstName!: string;
  @ApiProperty({ example: 'Doe', description: 'Empty for an account that no longer exists' }) lastName!: string;
}

export class CallSettingsViewDto implements CallSettingsView {
  @ApiProperty({ example: true }) allowChat!: boolean;
  @ApiProperty({ example: true }) allowScreenShare!: boolean;
  @ApiProperty({ example: false }) allowRecording!: boolean;
  @ApiProperty({ example: false }) muteOnJoin!: boolean;
  @ApiProperty({ example: false, description: 'The password itself is never returned' }) requirePassword!: boolean;
}

export class ParticipantDto implements ParticipantView {
  @ApiProperty({ type: () => CallUserDto }) user!: CallUserDto;
  @ApiProperty({ enum: PARTICIPANT_ROLES, example: 'host' }) role!: ParticipantRole;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1, description: 'Unique in the call, kept on rejoin' })
  agoraUid!: number;
  @ApiProperty({ enum: PARTICIPANT_STATES, example: 'joined' }) state!: ParticipantState;
  @ApiProperty(DATE_TIME) joinedAt!: string;
  @ApiProperty({ ...NULLABLE_DATE_TIME, example: null }) leftAt!: string | null;
  @ApiProperty({ example: true }) audioEnabled!: boolean;
  @ApiProperty({ example: true }) videoEnabled!: boolean;
  @ApiProperty({ example: false }) screenSharing!: boolean;
}

export const INVITATION_EXAMPLE: InvitationView = {
  user: { id: '665f1c2ab3e4d5f6a7b8c9d1', firstName: 'Jane', lastName: 'Smith' },
  invitedBy: CALL_EXAMPLE.host.id,
  status: 'pending',
  invitedAt: '2026-01-01T10:00:00.000Z',
  respondedAt: null,
};

export class InvitationDto implements InvitationView {
  @ApiProperty({ type: () => CallUserDto, description: 'The invitee' }) user!: CallUserDto;
  @ApiProperty({ ...USER_ID, description: 'Id of the user who invited' }) invitedBy!: string;
  @ApiProperty({ enum: INVITATION_STATUSES, example: 'pending' }) status!: InvitationStatus;
  @ApiProperty(DATE_TIME) invitedAt!: string;
  @ApiProperty({ ...NULLABLE_DATE_TIME, example: null }) respondedAt!: string | null;
}

export class AgoraCredentialsDto implements AgoraCredentials {
  @ApiProperty({
    type: String,
    nullable: true,
    example: AGORA_EXAMPLE.token,
    description: 'Agora RTC token (publisher); null when the server has no Agora credentials',
  })
  token!: string | null;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) uid!: number;
  @ApiProperty({ example: AGORA_EXAMPLE.channelName }) channelName!: string;
  @ApiProperty({ type: String, nullable: true, example: AGORA_EXAMPLE.appId, description: 'Null without credentials' })
  appId!: string | null;
  @ApiProperty({ ...DATE_TIME, example: AGORA_EXAMPLE.expiry, description: 'When the token expires' }) expiry!: string;
}

/** A call as lists show it (history): without participants and invitations. */
export class CallSummaryDto implements CallView {
  @ApiProperty(CALL_ID) id!: string;
  @ApiProperty({ example: CALL_EXAMPLE.channelName, description: 'The Agora channel; unguessable' })
  channelName!: string;
  @ApiProperty({ example: 'Team Meeting' }) title!: string;
  @ApiProperty({ example: 'Weekly team sync', description: 'Empty when none was given' }) description!: string;
  @ApiProperty({ enum: CALL_TYPES, example: 'video' }) callType!: CallType;
  @ApiProperty({ enum: CALL_MODES, example: 'group' }) callMode!: CallMode;
  @ApiProperty({ enum: CALL_STATUSES, example: 'active' }) status!: CallStatus;
  @ApiProperty({ type: 'integer', minimum: 2, maximum: 100, example: 10, description: 'The host counts' })
  maxParticipants!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1, description: 'Participants joined now' })
  joinedCount!: number;
  @ApiProperty({ ...NULLABLE_DATE_TIME, example: null }) scheduledFor!: string | null;
  @ApiProperty(NULLABLE_DATE_TIME) startedAt!: string | null;
  @ApiProperty({ ...NULLABLE_DATE_TIME, example: null }) endedAt!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: null, description: 'Seconds, once ended' })
  duration!: number | null;
  @ApiProperty({ enum: END_REASONS, nullable: true, example: null }) endReason!: EndReason | null;
  @ApiProperty({ type: () => CallSettingsViewDto }) settings!: CallSettingsViewDto;
  @ApiProperty({ type: () => CallUserDto, description: 'The current host' }) host!: CallUserDto;
  @ApiProperty(DATE_TIME) createdAt!: string;
}

/** A call in the list of active calls: with its participants. */
export class ActiveCallDto extends CallSummaryDto {
  @ApiProperty({ type: [ParticipantDto], description: 'Everyone who is or was in the call' })
  participants!: ParticipantDto[];
}

/** A call in full: participants and invitations. */
export class CallDetailsDto extends ActiveCallDto {
  @ApiProperty({ type: [InvitationDto] }) invitations!: InvitationDto[];
}

/** A new call: in full, with the host's Agora credentials when it started at once. */
export class CreatedCallDto extends CallDetailsDto {
  @ApiProperty({
    type: () => AgoraCredentialsDto,
    nullable: true,
    description: "The host's credentials; null for a scheduled call (they come with the first join)",
  })
  agoraConfig!: AgoraCredentialsDto | null;
}

export class CallPageDto implements CallPage {
  @ApiProperty({ type: [CallSummaryDto] }) calls!: CallSummaryDto[];
  @ApiProperty({ type: 'integer', example: 1, description: 'Ended calls in the whole history' }) total!: number;
  @ApiProperty({ type: 'integer', example: 20 }) limit!: number;
  @ApiProperty({ type: 'integer', example: 0 }) skip!: number;
}

export class ChatMessageDto implements ChatMessageView {
  @ApiProperty({ pattern: '^[0-9a-f]{24}$', example: CHAT_MESSAGE_EXAMPLE.id }) id!: string;
  @ApiProperty(CALL_ID) callId!: string;
  @ApiProperty({ type: () => CallUserDto }) sender!: CallUserDto;
  @ApiProperty({ example: 'Hello everyone!' }) message!: string;
  @ApiProperty({ enum: MESSAGE_TYPES, example: 'text', description: '`system` messages come from the server' })
  messageType!: MessageType;
  @ApiProperty({ ...DATE_TIME, example: CHAT_MESSAGE_EXAMPLE.createdAt }) createdAt!: string;
}

export class ChatPageDto implements ChatPage {
  @ApiProperty({ type: [ChatMessageDto], description: 'Newest first' }) messages!: ChatMessageDto[];
  @ApiProperty({ type: 'integer', example: 50 }) limit!: number;
  @ApiProperty({
    ...NULLABLE_DATE_TIME,
    example: null,
    description: 'Pass as `before` for older messages; null when this page was the last',
  })
  nextBefore!: string | null;
}

/** Examples that match the routes: a call in full has its invitations, lists show less. */
const { participants: _participants, agoraConfig: _agora, ...CALL_SUMMARY } = CALL_EXAMPLE;
export const ACTIVE_CALL_EXAMPLE: ActiveCallDto = { ...CALL_SUMMARY, participants: [PARTICIPANT_EXAMPLE] };
export const CALL_DETAILS_EXAMPLE: CallDetailsDto = { ...ACTIVE_CALL_EXAMPLE, invitations: [INVITATION_EXAMPLE] };
export const ENDED_CALL_EXAMPLE: CallSummaryDto = {
  ...CALL_SUMMARY,
  status: 'ended',
  joinedCount: 0,
  endedAt: '2026-01-01T10:30:00.000Z',
  duration: 1800,
  endReason: 'ended-by-host',
};
export { AGORA_EXAMPLE, CHAT_MESSAGE_EXAMPLE, PARTICIPANT_EXAMPLE };
