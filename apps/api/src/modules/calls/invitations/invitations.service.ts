import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { EventBus } from '../../../core/events';
import { CallAccessService } from '../access/call-access.service';
import { callInvitedEvent } from '../call-events';
import { CALL_MESSAGES } from '../calls.messages';
import { CallView, InvitationView, toInvitationView } from '../calls.mapper';
import { InvitationResponse } from '../dto/call-actions.dto';
import { declineEndsCall } from '../lifecycle/call-lifecycle.rules';
import { CallEndingService } from '../lifecycle/call-ending.service';
import { CallRepository } from '../repositories/call.repository';
import { InvitationRepository } from '../repositories/invitation.repository';
import { ParticipantRepository } from '../repositories/participant.repository';
import { CallRecord } from '../schemas/call.schema';
import { InvitationRecord } from '../schemas/call-invitation.schema';
import { CallUsers } from '../views/call-users.service';
import { CallViews } from '../views/call-views.service';

const conflict = (message: string) => new AppException(ErrorCode.CONFLICT, message);

/** Inviting users to a call and answering one's own invitation. */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly access: CallAccessService,
    private readonly calls: CallRepository,
    private readonly participants: ParticipantRepository,
    private readonly invitations: InvitationRepository,
    private readonly ending: CallEndingService,
    private readonly users: CallUsers,
    private readonly views: CallViews,
    private readonly events: EventBus,
  ) {}

  /**
   * Invite more users (host or current participant, open call). Users who are already invited,
   * in the call (now or before), the host, or the caller are skipped, not refused; users removed
   * from the call (kicked) are invited again, which lets them rejoin once (skipped while such an
   * invitation is still pending). A one-to-one call has at most one invitee ever (409 otherwise).
   */
  async invite(
    callId: string,
    userId: string,
    userIds: string[],
  ): Promise<{ invitations: InvitationView[]; skipped: string[] }> {
    const { call } = await this.access.toInteract(callId, userId);
    await this.users.assertActive(userIds);
    const [participants, invitations] = await Promise.all([
      this.participants.participantsOf(call._id),
      this.invitations.invitationsOf(call._id),
    ]);
    const removed = new Set(participants.filter((p) => p.state === 'kicked').map((p) => p.userId.toHexString()));
    const taken = new Set([
      userId,
      call.hostId.toHexString(),
      ...participants.map((p) => p.userId.toHexString()),
      ...invitations.map((i) => i.inviteeId.toHexString()),
    ]);
    const fresh = userIds.filter((id) => !taken.has(id));
    const oneToOne = call.callMode === 'one-to-one' && fresh.length > 0;
    if (oneToOne) {
      if (invitations.length + fresh.length > 1) throw conflict(CALL_MESSAGES.oneToOneInvitee);
      // The read above is only a fast path: the single invitation is claimed on the call by
      // one conditional write, so of racing invites exactly one inserts an invitation.
      if (!(await this.calls.claimOnlyInvitation(call._id))) {
        const theirs = await this.invitations.findInvitation(callId, fresh[0]);
        if (!theirs) throw conflict(CALL_MESSAGES.oneToOneInvitee);
        // A concurrent invite of the same user won: this one is a skip, as it would be later.
        return { invitations: [], skipped: userIds };
      }
    }
    const readmitted = await this.reinvite(
      call._id,
      userId,
      userIds.filter((id) => removed.has(id)),
    );
    let result: { created: InvitationRecord[]; skipped: string[] };
    try {
      result = await this.invitations.invite(call._id, userId, fresh);
    } catch (error) {
      if (oneToOne) await this.calls.countInvitations(call._id, -1).catch(() => undefined);
      throw error;
    }
    const skipped = [...result.skipped, ...readmitted.skipped];
    const created = [...result.created, ...readmitted.created];
    if (oneToOne) {
      if (result.created.length === 0) await this.calls.countInvitations(call._id, -1);
    } else {
      await this.calls.countInvitations(call._id, result.created.length);
    }
    if (created.length > 0) this.events.publish('call.invited', callInvitedEvent(call, userId, created));
    const users = await this.users.lookup(created.map((i) => i.inviteeId.toHexString()));
    return {
      invitations: created.map((i) => toInvitationView(i, users)),
      skipped: [...userIds.filter((id) => taken.has(id) && !removed.has(id)), ...skipped],
    };
  }

  /** Invites removed users again; those whose new invitation is already pending are skipped. */
  private async reinvite(
    callId: string,
    invitedBy: string,
    userIds: string[],
  ): Promise<{ created: InvitationRecord[]; skipped: string[] }> {
    const created: InvitationRecord[] = [];
    const skipped: string[] = [];
    for (const id of userIds) {
      const invitation = await this.invitations.reinvite(callId, invitedBy, id);
      if (invitation) created.push(invitation);
      else skipped.push(id);
    }
    return { created, skipped };
  }

  /**
   * Answer one's own pending invitation, once. Accepting does not join (the client joins next).
   * A declined one-to-one call may be over (`declineEndsCall`): it ends with reason `declined`.
   */
  async respond(
    callId: string,
    userId: string,
    response: InvitationResponse,
  ): Promise<{ invitation: InvitationView; call: CallView }> {
    const { call } = await this.access.toRespond(callId, userId);
    const now = new Date();
    const answered = await this.invitations.answerInvitation(callId, userId, response, now);
    if (!answered) throw conflict(CALL_MESSAGES.alreadyAnswered);
    this.events.publish('call.invitation.responded', {
      callId,
      channelName: call.channelName,
      userId,
      response,
      hostId: call.hostId.toHexString(),
    });
    if (response === 'declined' && call.callMode === 'one-to-one') await this.endIfDeclined(call, userId, now);
    const users = await this.users.lookup([userId]);
    return {
      invitation: toInvitationView(answered, users),
      call: await this.views.full((await this.calls.findCall(callId)) ?? call),
    };
  }

  private async endIfDeclined(call: CallRecord, userId: string, now: Date): Promise<void> {
    const [participants, invitations] = await Promise.all([
      this.participants.participantsOf(call._id),
      this.invitations.invitationsOf(call._id),
    ]);
    if (!declineEndsCall(call.hostId, participants, invitations)) return;
    await this.ending.end(call._id, { by: 'system', userId, reason: 'declined' }, { now });
  }
}
