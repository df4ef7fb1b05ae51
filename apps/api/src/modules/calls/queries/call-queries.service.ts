import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { CallAccessService } from '../access/call-access.service';
import { CallView, toCallView } from '../calls.mapper';
import { CallRepository } from '../repositories/call.repository';
import { InvitationRepository } from '../repositories/invitation.repository';
import { ParticipantRepository } from '../repositories/participant.repository';
import { CallUsers } from '../views/call-users.service';
import { CallViews } from '../views/call-views.service';

export interface CallPage {
  calls: CallView[];
  total: number;
  limit: number;
  skip: number;
}

/** Reading calls: one call's details, a user's active calls and call history. */
@Injectable()
export class CallQueriesService {
  constructor(
    private readonly access: CallAccessService,
    private readonly calls: CallRepository,
    private readonly participants: ParticipantRepository,
    private readonly invitations: InvitationRepository,
    private readonly users: CallUsers,
    private readonly views: CallViews,
  ) {}

  /** Details for anyone the call concerns (403 for others, 404 for an unknown id). */
  async details(callId: string, userId: string): Promise<CallView> {
    const { call } = await this.access.toView(callId, userId);
    return this.views.full(call);
  }

  /** Active calls the user hosts, is joined to, or has a pending invitation to; newest first. */
  async active(userId: string): Promise<CallView[]> {
    const me = new Types.ObjectId(userId);
    const [hosted, joinedIds, invitedIds] = await Promise.all([
      this.calls.activeCallsHostedBy(me),
      this.participants.callIdsOfParticipant(me, true),
      this.invitations.pendingInvitationCallIds(me),
    ]);
    const hostedIds = new Set(hosted.map((c) => c._id));
    const otherIds = [...new Set([...joinedIds, ...invitedIds])].filter((id) => !hostedIds.has(id));
    const others = await this.calls.callsByIds(otherIds, 'active');
    const calls = [...hosted, ...others].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const participants = await Promise.all(calls.map((c) => this.participants.participantsOf(c._id)));
    const users = await this.users.lookup([
      ...calls.map((c) => c.hostId.toHexString()),
      ...participants.flat().map((p) => p.userId.toHexString()),
    ]);
    return calls.map((call, i) => toCallView(call, users, { participants: participants[i] }));
  }

  /**
   * Who was still invited, unanswered, when the call ended: the invitees whose invitation the end
   * marked missed (the Socket.IO gateway tells them the call is over).
   */
  async missedInviteeIds(callId: string): Promise<string[]> {
    const invitations = await this.invitations.invitationsOf(callId);
    return invitations.filter((i) => i.status === 'missed').map((i) => i.inviteeId.toHexString());
  }

  /** Ended calls the user created or took part in, newest first. */
  async history(userId: string, limit: number, skip: number): Promise<CallPage> {
    const me = new Types.ObjectId(userId);
    const ids = await this.participants.callIdsOfParticipant(me, false);
    const { calls, total } = await this.calls.endedCallsPage(me, ids, limit, skip);
    const users = await this.users.lookup(calls.map((c) => c.hostId.toHexString()));
    return { calls: calls.map((c) => toCallView(c, users)), total, limit, skip };
  }
}
