import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { EventBus } from '../../../core/events';
import { CallAccessService } from '../access/call-access.service';
import { CALL_MESSAGES } from '../calls.messages';
import { CallView } from '../calls.mapper';
import { CallRepository } from '../repositories/call.repository';
import { ParticipantRepository } from '../repositories/participant.repository';
import { CallRecord } from '../schemas/call.schema';
import { CallViews } from '../views/call-views.service';
import { afterLeave, nextHost } from './call-lifecycle.rules';
import { CallEndingService } from './call-ending.service';

/** Bound on re-handing the host role when the chosen participant turns out to be leaving too. */
const MAX_HOST_HANDOVERS = 5;

/** Leaving a call, and what a leave leads to: the end of an empty call, or a new host. */
@Injectable()
export class CallLeaveService {
  constructor(
    private readonly access: CallAccessService,
    private readonly calls: CallRepository,
    private readonly participants: ParticipantRepository,
    private readonly ending: CallEndingService,
    private readonly views: CallViews,
    private readonly events: EventBus,
  ) {}

  /**
   * Leave: the last one out ends the call (`all-left`); a leaving host hands over to the earliest
   * joiner. `quietBefore` (housekeeping): only if the participant showed no sign of life since.
   */
  async leave(callId: string, userId: string, quietBefore?: Date): Promise<CallView> {
    const { call } = await this.access.toLeave(callId, userId);
    const now = new Date();
    // The rule checked the caller was joined; this write decides it against a concurrent leave.
    const left = await this.participants.leaveParticipant(callId, userId, now, quietBefore);
    if (!left) throw new AppException(ErrorCode.CONFLICT, CALL_MESSAGES.notJoined);
    // null: the call ended meanwhile (its end zeroed the count); nothing left to hand over.
    const after = (await this.calls.releaseSeat(call._id, now)) ?? (await this.calls.findCall(callId)) ?? call;
    this.events.publish('call.participant.left', {
      callId,
      channelName: call.channelName,
      userId,
      agoraUid: left.agoraUid,
    });
    await this.afterDeparture(after, userId, now);
    return this.views.full((await this.calls.findCall(callId)) ?? after);
  }

  /**
   * What a departure leads to (a leave, or a removal by staff), decided on the call as the
   * departed user's seat release left it: the last one out ends the call (`all-left`), a departed
   * host hands over to the earliest joiner.
   */
  async afterDeparture(after: CallRecord, userId: string, now: Date): Promise<void> {
    const outcome = afterLeave(after, userId);
    if (outcome === 'end-all-left') {
      await this.ending.end(after._id, { by: 'system', userId, reason: 'all-left' }, { now, onlyIfEmpty: true });
    } else if (outcome === 'hand-over') {
      await this.passHost(after, userId, now);
    }
  }

  /**
   * The earliest-joined remaining participant becomes host (only if the leaver still was host).
   * The chosen one may be leaving at the same moment: if, after the hand-over, they are no
   * longer joined, hand over again; when nobody is joined any more the call ends (`all-left`).
   * A leaver whose leave lands after the re-read sees itself as host and hands over itself, and
   * `changeHost` is conditional on the current host, so only one of them moves the role.
   */
  private async passHost(call: CallRecord, previousHostId: string, now: Date): Promise<void> {
    const callId = call._id;
    let from = call.hostId;
    let fromId = previousHostId;
    for (let attempt = 0; attempt < MAX_HOST_HANDOVERS; attempt += 1) {
      const next = nextHost(await this.participants.participantsOf(callId));
      if (!next) {
        await this.ending.end(callId, { by: 'system', userId: previousHostId, reason: 'all-left' }, { now });
        return;
      }
      if (!(await this.calls.changeHost(callId, from, next.userId))) return;
      const newHostId = next.userId.toHexString();
      await this.participants.setRole(callId, fromId, 'participant');
      await this.participants.setRole(callId, newHostId, 'host');
      this.events.publish('call.host.changed', {
        callId,
        channelName: call.channelName,
        previousHostId: fromId,
        newHostId,
      });
      const chosen = await this.participants.findParticipant(callId, newHostId);
      if (chosen?.state === 'joined') return;
      // Their own leave may already have demoted them before the promotion above landed.
      await this.participants.setRole(callId, newHostId, 'participant');
      from = next.userId;
      fromId = newHostId;
    }
  }
}
