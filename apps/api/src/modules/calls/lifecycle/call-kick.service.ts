import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { EventBus } from '../../../core/events';
import { CALL_MESSAGES } from '../calls.messages';
import { ParticipantView, toParticipantView } from '../calls.mapper';
import { CallRepository } from '../repositories/call.repository';
import { InvitationRepository } from '../repositories/invitation.repository';
import { ParticipantRepository } from '../repositories/participant.repository';
import { CallUsers } from '../views/call-users.service';
import { CallLeaveService } from './call-leave.service';

/**
 * Removing a participant from an open call (staff: moderators and admins; authorization is the
 * caller's). The participant becomes `kicked`, whether joined or away (left), so they cannot
 * rejoin or get a token until invited again; a pending invitation of theirs is withdrawn first,
 * so only one made after the removal readmits them. A removal of someone joined is a departure:
 * their seat is given back, the room hears them leave (`call.participant.left`), and the leave's
 * rules apply (host hand-over, the end of an empty call).
 */
@Injectable()
export class CallKickService {
  constructor(
    private readonly calls: CallRepository,
    private readonly participants: ParticipantRepository,
    private readonly invitations: InvitationRepository,
    private readonly leaves: CallLeaveService,
    private readonly users: CallUsers,
    private readonly events: EventBus,
  ) {}

  /**
   * Kicks `userId` out of the call; `by` is the moderator or admin. 404 for an unknown call or a
   * user who never joined it, 409 when the call has ended or the user was already removed.
   */
  async kick(callId: string, userId: string, by: string): Promise<ParticipantView> {
    const call = await this.calls.findCall(callId);
    if (!call) throw new AppException(ErrorCode.NOT_FOUND, CALL_MESSAGES.notFound);
    if (call.status === 'ended') throw new AppException(ErrorCode.CONFLICT, CALL_MESSAGES.ended);
    const current = await this.participants.findParticipant(call._id, userId);
    if (!current) throw new AppException(ErrorCode.NOT_FOUND, CALL_MESSAGES.notParticipant);

    const now = new Date();
    // Withdrawn before the removal, so an invitation made once the removal is visible survives.
    await this.invitations.withdrawPending(call._id, userId, now);
    // The rule is in the write: of concurrent kicks (or a kick and a leave) one decides the state.
    const before = await this.participants.kickParticipant(call._id, userId, now);
    if (!before) throw new AppException(ErrorCode.CONFLICT, CALL_MESSAGES.alreadyKicked);

    this.events.publish('call.participant.kicked', {
      callId: call._id,
      channelName: call.channelName,
      userId,
      by,
      at: now.toISOString(),
    });
    if (before.state === 'joined') {
      // null: the call ended meanwhile (its end zeroed the count); nothing left to hand over.
      const after = (await this.calls.releaseSeat(call._id, now)) ?? (await this.calls.findCall(call._id)) ?? call;
      this.events.publish('call.participant.left', {
        callId: call._id,
        channelName: call.channelName,
        userId,
        agoraUid: before.agoraUid,
      });
      await this.leaves.afterDeparture(after, userId, now);
    }
    const kicked = (await this.participants.findParticipant(call._id, userId)) ?? before;
    return toParticipantView(kicked, await this.users.lookup([userId]));
  }
}
