import { Inject, Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { Logger } from 'pino';
import { LOGGER } from '../../../core/core.module';
import { EventBus } from '../../../core/events';
import { CallAccessService } from '../access/call-access.service';
import { callDurationSeconds } from '../call-rules';
import { CALL_MESSAGES } from '../calls.messages';
import { CallView } from '../calls.mapper';
import { CallRepository } from '../repositories/call.repository';
import { InvitationRepository } from '../repositories/invitation.repository';
import { ParticipantRepository } from '../repositories/participant.repository';
import { CallRecord, EndReason } from '../schemas/call.schema';
import { CallViews } from '../views/call-views.service';

/**
 * Who ends a call: its `host` (REST), an `admin`, or the `system` (housekeeping, the last leave,
 * a declined one-to-one invitation). `userId` is the user whose action ended it (the leaver, the
 * decliner), null when nobody's did; it is the `endedBy` of the `call.ended` event.
 */
export type CallEnding =
  | { by: 'host' | 'admin'; userId: string; reason: EndReason }
  | { by: 'system'; userId: string | null; reason: EndReason };

export interface EndOptions {
  /** When the call ends (housekeeping passes the time of its sweep). */
  now?: Date;
  /** End only while nobody is joined: a join that lands first keeps the call going. */
  onlyIfEmpty?: boolean;
}

/**
 * The one way to end a call, whoever ends it: once (a conditional write on the call's status),
 * then everyone still joined is marked left, pending invitations missed, and `call.ended` is
 * published. Authorization is the caller's: `endAsHost` is the REST route's, after the host rule.
 */
@Injectable()
export class CallEndingService {
  private readonly log: Logger;

  constructor(
    private readonly calls: CallRepository,
    private readonly participants: ParticipantRepository,
    private readonly invitations: InvitationRepository,
    private readonly access: CallAccessService,
    private readonly views: CallViews,
    private readonly events: EventBus,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'CallEnding' });
  }

  /**
   * Ends the call; null when it had already ended (or, with `onlyIfEmpty`, someone is joined).
   * 404 for an unknown or malformed id.
   */
  async end(callId: string, ending: CallEnding, options: EndOptions = {}): Promise<CallRecord | null> {
    const { now = new Date(), onlyIfEmpty = false } = options;
    const call = await this.calls.findCall(callId);
    if (!call) throw new AppException(ErrorCode.NOT_FOUND, CALL_MESSAGES.notFound);
    const duration = callDurationSeconds(call.startedAt, now);
    const ended = await this.calls.endCall(call, ending.reason, now, duration, onlyIfEmpty);
    if (!ended) return null;
    const participantIds = await this.participants.leaveAll(call._id, now);
    await this.invitations.markMissed(call._id, now);
    // The event names the user only; the log keeps who ended the call in which role.
    this.log.info({ callId: call._id, reason: ending.reason, by: ending.by, userId: ending.userId }, 'call ended');
    this.events.publish('call.ended', {
      callId: call._id,
      channelName: call.channelName,
      reason: ending.reason,
      endedBy: ending.userId,
      duration: ended.duration ?? 0,
      callType: call.callType,
      callMode: call.callMode,
      hostId: call.hostId.toHexString(),
      startedAt: call.startedAt?.toISOString() ?? null,
      endedAt: now.toISOString(),
      participantIds,
    });
    return ended;
  }

  /** `POST /calls/:id/end`: the current host ends the call for everyone (403 for others, 409 once ended). */
  async endAsHost(callId: string, userId: string): Promise<CallView> {
    const { call } = await this.access.asHostToEnd(callId, userId);
    const ended = await this.end(call._id, { by: 'host', userId, reason: 'ended-by-host' });
    if (!ended) throw new AppException(ErrorCode.CONFLICT, CALL_MESSAGES.ended);
    return this.views.full(ended);
  }
}
