import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { Types } from 'mongoose';
import { EventBus } from '../../../core/events';
import { hashPassword } from '@app/common';
import { AgoraCredentials, AgoraTokenService } from '../agora-token.service';
import { callInvitedEvent, participantJoinedEvent } from '../call-events';
import { defaultMaxParticipants, newChannelName } from '../call-rules';
import { CALL_MESSAGES } from '../calls.messages';
import { CallView } from '../calls.mapper';
import { CreateCallDto } from '../dto/create-call.dto';
import { CallRepository } from '../repositories/call.repository';
import { InvitationRepository } from '../repositories/invitation.repository';
import { ParticipantRepository } from '../repositories/participant.repository';
import { ParticipantRecord } from '../schemas/call-participant.schema';
import { CallUsers } from '../views/call-users.service';
import { CallViews } from '../views/call-views.service';
import { joinFields } from './call-lifecycle.rules';

const badRequest = (field: string, message: string) =>
  new AppException(ErrorCode.BAD_REQUEST, message, [{ field, message }]);

/** Creating a call: active with its host joined, or scheduled; with its first invitations. */
@Injectable()
export class CallCreationService {
  constructor(
    private readonly calls: CallRepository,
    private readonly participants: ParticipantRepository,
    private readonly invitations: InvitationRepository,
    private readonly users: CallUsers,
    private readonly views: CallViews,
    private readonly agora: AgoraTokenService,
    private readonly events: EventBus,
  ) {}

  async create(userId: string, dto: CreateCallDto): Promise<CallView> {
    const maxParticipants = dto.maxParticipants ?? defaultMaxParticipants(dto.callMode);
    if (dto.callMode === 'one-to-one' && maxParticipants !== 2) {
      throw badRequest('maxParticipants', CALL_MESSAGES.oneToOneMax);
    }
    const inviteeIds = dto.inviteUserIds ?? [];
    if (inviteeIds.includes(userId)) throw badRequest('inviteUserIds', CALL_MESSAGES.selfInvite);
    if (inviteeIds.length > maxParticipants - 1) throw badRequest('inviteUserIds', CALL_MESSAGES.tooManyInvites);
    await this.users.assertActive(inviteeIds);

    const now = new Date();
    const requested = dto.scheduledFor ? new Date(dto.scheduledFor) : null;
    const scheduledFor = requested && requested > now ? requested : null;
    const s = dto.settings ?? {};
    const requirePassword = s.requirePassword ?? false;
    const host = new Types.ObjectId(userId);
    const call = await this.calls.createCall({
      channelName: newChannelName(),
      title: dto.title,
      description: dto.description ?? '',
      callType: dto.callType,
      callMode: dto.callMode,
      createdBy: host,
      hostId: host,
      status: scheduledFor ? 'scheduled' : 'active',
      maxParticipants,
      scheduledFor,
      startedAt: scheduledFor ? null : now,
      settings: {
        allowChat: s.allowChat ?? true,
        allowScreenShare: s.allowScreenShare ?? true,
        allowRecording: s.allowRecording ?? false,
        muteOnJoin: s.muteOnJoin ?? false,
        requirePassword,
        passwordHash: requirePassword && s.password ? await hashPassword(s.password) : null,
      },
      // An active call starts with its host joined: the host holds seat 1 and Agora uid 1.
      joinedCount: scheduledFor ? 0 : 1,
      nextAgoraUid: scheduledFor ? 1 : 2,
      inviteeCount: inviteeIds.length,
      lastActivityAt: now,
    });

    let agoraConfig: AgoraCredentials | null = null;
    if (!scheduledFor) {
      let participant: ParticipantRecord | false;
      try {
        participant = await this.participants.insertParticipant(call, userId, 1, joinFields(call, userId, now));
      } catch (error) {
        // The call was stored with the host's seat taken; nobody has seen it yet, so close it
        // quietly (no call.ended: nobody heard of it) rather than leave an active call whose
        // count says someone is in it.
        await this.calls.endCall(call, 'all-left', now, 0).catch(() => null);
        throw error;
      }
      if (participant) agoraConfig = this.agora.issue(call.channelName, participant.agoraUid, now);
      else await this.calls.releaseSeat(call._id, now);
    }
    const { created } = await this.invitations.invite(call._id, userId, inviteeIds);

    this.events.publish('call.created', {
      callId: call._id,
      channelName: call.channelName,
      hostId: userId,
      title: call.title,
      callType: call.callType,
      callMode: call.callMode,
      status: call.status,
    });
    if (agoraConfig) {
      this.events.publish(
        'call.participant.joined',
        participantJoinedEvent(call, userId, agoraConfig.uid, 'host', false),
      );
    }
    if (created.length > 0) this.events.publish('call.invited', callInvitedEvent(call, userId, created));
    return { ...(await this.views.full(call)), agoraConfig };
  }
}
