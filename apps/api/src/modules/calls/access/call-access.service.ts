import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { verifyPassword } from '@app/common';
import { CALL_MESSAGES } from '../calls.messages';
import { CallRepository } from '../repositories/call.repository';
import { InvitationRepository } from '../repositories/invitation.repository';
import { ParticipantRepository } from '../repositories/participant.repository';
import { CallRecord } from '../schemas/call.schema';
import { InvitationRecord } from '../schemas/call-invitation.schema';
import { ParticipantRecord } from '../schemas/call-participant.schema';
import {
  assertAllowed,
  CallFacts,
  decideAsJoined,
  decideEnd,
  decideInteract,
  decideJoin,
  decideLeave,
  decideMedia,
  decideReadChat,
  decideRespond,
  decideSendChat,
  decideView,
  Decision,
} from './call-access.policy';
import { CallPasswordAttempts } from './call-password-attempts.service';

/** The caller's relation to a call, as stored: the facts of call-access.policy.ts with whole records. */
export interface CallAccess extends CallFacts {
  call: CallRecord;
  participant: ParticipantRecord | null;
  invitation: InvitationRecord | null;
}

/**
 * Object-level authorization of calls, for REST and the Socket.IO gateway alike: loads the caller's
 * relation to the call by `_id` (404 for an unknown or malformed id), applies the pure rule of
 * call-access.policy.ts, and returns the relation or throws the rule's AppException.
 */
@Injectable()
export class CallAccessService {
  constructor(
    private readonly calls: CallRepository,
    private readonly participants: ParticipantRepository,
    private readonly invitations: InvitationRepository,
    private readonly passwordAttempts: CallPasswordAttempts,
  ) {}

  /** The caller's relation to the call, without any rule; 404 for an unknown or malformed id. */
  async relation(callId: string, userId: string): Promise<CallAccess> {
    const call = await this.calls.findCall(callId);
    if (!call) throw new AppException(ErrorCode.NOT_FOUND, CALL_MESSAGES.notFound);
    const [participant, invitation] = await Promise.all([
      this.participants.findParticipant(call._id, userId),
      this.invitations.findInvitation(call._id, userId),
    ]);
    return { call, isHost: call.hostId.toHexString() === userId, participant, invitation };
  }

  toView(callId: string, userId: string): Promise<CallAccess> {
    return this.decided(callId, userId, decideView);
  }

  toReadChat(callId: string, userId: string): Promise<CallAccess> {
    return this.decided(callId, userId, decideReadChat);
  }

  toInteract(callId: string, userId: string): Promise<CallAccess> {
    return this.decided(callId, userId, decideInteract);
  }

  toSendChat(callId: string, userId: string): Promise<CallAccess> {
    return this.decided(callId, userId, decideSendChat);
  }

  /** Currently joined to the open call: the participant is there. */
  async asJoined(callId: string, userId: string): Promise<CallAccess & { participant: ParticipantRecord }> {
    return (await this.decided(callId, userId, decideAsJoined)) as CallAccess & { participant: ParticipantRecord };
  }

  toChangeMedia(callId: string, userId: string, change: { screenSharing?: boolean }): Promise<CallAccess> {
    return this.decided(callId, userId, (f) => decideMedia(f, change));
  }

  toLeave(callId: string, userId: string): Promise<CallAccess> {
    return this.decided(callId, userId, decideLeave);
  }

  asHostToEnd(callId: string, userId: string): Promise<CallAccess> {
    return this.decided(callId, userId, decideEnd);
  }

  toRespond(callId: string, userId: string): Promise<CallAccess> {
    return this.decided(callId, userId, decideRespond);
  }

  /**
   * Join. When the rule hangs on the password, wrong ones are limited per user and call
   * (CallPasswordAttempts: 429 once used up, checked before comparing) and each is counted.
   */
  async toJoin(callId: string, userId: string, password?: string): Promise<CallAccess> {
    const access = await this.relation(callId, userId);
    const decision = decideJoin(access, Boolean(password));
    if (decision.verdict !== 'verify-password') {
      assertAllowed(decision);
      return access;
    }
    await this.passwordAttempts.assertMayTry(callId, userId);
    if (!(await verifyPassword(password ?? '', decision.passwordHash))) {
      await this.passwordAttempts.recordFailure(callId, userId);
      throw decision.wrong.error;
    }
    assertAllowed(decision.right);
    return access;
  }

  private async decided(callId: string, userId: string, rule: (facts: CallFacts) => Decision): Promise<CallAccess> {
    const access = await this.relation(callId, userId);
    assertAllowed(rule(access));
    return access;
  }
}
