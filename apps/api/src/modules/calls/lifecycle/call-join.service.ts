import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { EventBus } from '../../../core/events';
import { CallAccessService } from '../access/call-access.service';
import { AgoraCredentials, AgoraTokenService } from '../agora-token.service';
import { participantJoinedEvent } from '../call-events';
import { agoraUidFromCounter } from '../call-rules';
import { CALL_MESSAGES } from '../calls.messages';
import { CallView } from '../calls.mapper';
import { CallRepository } from '../repositories/call.repository';
import { InvitationRepository } from '../repositories/invitation.repository';
import { JoinFields, ParticipantRepository } from '../repositories/participant.repository';
import { CallRecord } from '../schemas/call.schema';
import { ParticipantRecord } from '../schemas/call-participant.schema';
import { CallViews } from '../views/call-views.service';
import { joinFields } from './call-lifecycle.rules';

export interface JoinResult {
  call: CallView;
  agoraToken: AgoraCredentials;
}

const conflict = (message: string) => new AppException(ErrorCode.CONFLICT, message);

/** Joining a call and the Agora token that comes with being in it. */
@Injectable()
export class CallJoinService {
  constructor(
    private readonly access: CallAccessService,
    private readonly calls: CallRepository,
    private readonly participants: ParticipantRepository,
    private readonly invitations: InvitationRepository,
    private readonly views: CallViews,
    private readonly agora: AgoraTokenService,
    private readonly events: EventBus,
  ) {}

  /**
   * Join (idempotent). The participant limit is one conditional `$inc` on the call
   * (CallRepository.claimSeat); the participant document is written after it, and the seat is
   * given back if that write fails or a concurrent join of the same user won.
   */
  async join(callId: string, userId: string, password?: string): Promise<JoinResult> {
    const access = await this.access.toJoin(callId, userId, password);
    const { call } = access;
    if (access.participant?.state === 'joined') {
      // A repeated join is a sign of life (housekeeping leaves participants quiet for CALL_IDLE_TIMEOUT).
      await this.participants.markActive(call._id, userId, new Date());
      return this.joinResult(call, access.participant);
    }

    const now = new Date();
    const claimed = await this.calls.claimSeat(call._id, call.maxParticipants, now);
    if (!claimed) {
      // A concurrent join of the same user may hold the seat this one could not get.
      const theirs = await this.participants.findParticipant(callId, userId);
      if (theirs?.state === 'joined') return this.joinResult((await this.calls.findCall(callId)) ?? call, theirs);
      const fresh = await this.calls.findCall(callId);
      throw conflict(fresh?.status === 'ended' ? CALL_MESSAGES.ended : CALL_MESSAGES.full);
    }

    let participant: ParticipantRecord | null;
    try {
      participant = await this.occupySeat(claimed, userId, access.participant, now);
    } catch (error) {
      await this.calls.releaseSeat(call._id, now);
      throw error;
    }
    if (!participant) {
      // A concurrent join of the same user took the participant first: answer with theirs.
      await this.calls.releaseSeat(call._id, now);
      const theirs = await this.participants.findParticipant(callId, userId);
      const fresh = await this.calls.findCall(callId);
      if (!fresh || fresh.status === 'ended') throw conflict(CALL_MESSAGES.ended);
      if (theirs?.state !== 'joined') throw conflict(CALL_MESSAGES.notJoined);
      return this.joinResult(fresh, theirs);
    }

    // The call may have ended (host, housekeeping, a decline) between the seat claim and the
    // participant write, after its end marked everyone left: this participant must not stay
    // joined in an ended call. An end after this read marks the participant left itself.
    const current = await this.calls.findCall(callId);
    if (!current || current.status === 'ended') {
      await this.participants.leaveParticipant(callId, userId, now);
      throw conflict(CALL_MESSAGES.ended);
    }

    const started = claimed.status === 'scheduled' && (await this.calls.activate(call._id, now));
    if (access.invitation?.status === 'pending') {
      await this.invitations.answerInvitation(callId, userId, 'accepted', now);
    }
    this.events.publish(
      'call.participant.joined',
      participantJoinedEvent(call, userId, participant.agoraUid, participant.role, started),
    );
    return this.joinResult((await this.calls.findCall(callId)) ?? claimed, participant);
  }

  /** A fresh Agora token for a current participant (same uid). */
  async token(callId: string, userId: string): Promise<AgoraCredentials> {
    const { call, participant } = await this.access.asJoined(callId, userId);
    await this.participants.markActive(call._id, userId, new Date());
    return this.agora.issue(call.channelName, participant.agoraUid);
  }

  /** The participant write after a seat claim; null when a concurrent join of the same user won. */
  private async occupySeat(
    claimed: CallRecord,
    userId: string,
    previous: ParticipantRecord | null,
    now: Date,
  ): Promise<ParticipantRecord | null> {
    const fields = joinFields(claimed, userId, now);
    if (previous?.state === 'kicked') return this.readmit(claimed._id, userId, fields, now);
    if (previous) return this.participants.rejoinParticipant(claimed._id, userId, fields);
    const uid = agoraUidFromCounter(claimed.nextAgoraUid);
    return (await this.participants.insertParticipant(claimed, userId, uid, fields)) || null;
  }

  /**
   * A removed user's rejoin: the invitation made since the removal is used up first (pending →
   * accepted, once), so it readmits one join; 403 when it is no longer pending (withdrawn by a new
   * removal, or used by a concurrent join of theirs, whose participant answers below).
   */
  private async readmit(
    callId: string,
    userId: string,
    fields: JoinFields,
    now: Date,
  ): Promise<ParticipantRecord | null> {
    if (!(await this.invitations.answerInvitation(callId, userId, 'accepted', now))) {
      const theirs = await this.participants.findParticipant(callId, userId);
      if (theirs?.state === 'joined') return null;
      throw new AppException(ErrorCode.FORBIDDEN, CALL_MESSAGES.kicked);
    }
    return this.participants.readmitParticipant(callId, userId, fields);
  }

  private async joinResult(call: CallRecord, participant: ParticipantRecord): Promise<JoinResult> {
    return {
      call: await this.views.full(call),
      agoraToken: this.agora.issue(call.channelName, participant.agoraUid),
    };
  }
}
