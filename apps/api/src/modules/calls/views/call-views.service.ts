import { Injectable } from '@nestjs/common';
import { CallView, toCallView } from '../calls.mapper';
import { InvitationRepository } from '../repositories/invitation.repository';
import { ParticipantRepository } from '../repositories/participant.repository';
import { CallRecord } from '../schemas/call.schema';
import { CallUsers } from './call-users.service';

/** A call as the API shows it in full: with its participants, invitations and their names. */
@Injectable()
export class CallViews {
  constructor(
    private readonly participants: ParticipantRepository,
    private readonly invitations: InvitationRepository,
    private readonly users: CallUsers,
  ) {}

  async full(call: CallRecord): Promise<CallView> {
    const [participants, invitations] = await Promise.all([
      this.participants.participantsOf(call._id),
      this.invitations.invitationsOf(call._id),
    ]);
    const users = await this.users.lookup([
      call.hostId.toHexString(),
      ...participants.map((p) => p.userId.toHexString()),
      ...invitations.map((i) => i.inviteeId.toHexString()),
    ]);
    return toCallView(call, users, { participants, invitations });
  }
}
