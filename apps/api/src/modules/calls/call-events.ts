import { CallInvitedEvent, CallParticipantJoinedEvent } from '../../core/events';
import { CallRecord } from './schemas/call.schema';
import { InvitationRecord } from './schemas/call-invitation.schema';
import { ParticipantRole } from './schemas/call-participant.schema';

/* Payloads of the events that more than one service of the module publishes, built in one place. */

export function participantJoinedEvent(
  call: Pick<CallRecord, '_id' | 'channelName'>,
  userId: string,
  agoraUid: number,
  role: ParticipantRole,
  callStarted: boolean,
): CallParticipantJoinedEvent {
  return { callId: call._id, channelName: call.channelName, userId, agoraUid, role, callStarted };
}

export function callInvitedEvent(
  call: Pick<CallRecord, '_id' | 'channelName' | 'title' | 'callType' | 'callMode'>,
  invitedBy: string,
  created: readonly InvitationRecord[],
): CallInvitedEvent {
  return {
    callId: call._id,
    channelName: call.channelName,
    title: call.title,
    callType: call.callType,
    callMode: call.callMode,
    invitedBy,
    inviteeIds: created.map((i) => i.inviteeId.toHexString()),
  };
}
