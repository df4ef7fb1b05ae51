import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { Types } from 'mongoose';
import { EventBus } from '../../core/events';
import { hashPassword, verifyPassword } from '../auth/password';
import { UsersService } from '../users/users.service';
import { AgoraCredentials, AgoraTokenService } from './agora-token.service';
import { agoraUidFromCounter, callDurationSeconds, defaultMaxParticipants, newChannelName } from './call-rules';
import { CallPasswordAttempts } from './call-password-attempts';
import { CALL_ERRORS } from './calls.errors';
import {
  CallView,
  ChatMessageView,
  InvitationView,
  ParticipantView,
  toCallView,
  toChatMessageView,
  toInvitationView,
  toParticipantView,
  UserLookup,
} from './calls.mapper';
import { CallsRepository, JoinFields, MediaFlags } from './calls.repository';
import { CreateCallDto } from './dto/create-call.dto';
import { InvitationResponse } from './dto/call-actions.dto';
import { CallRecord, EndReason } from './schemas/call.schema';
import { InvitationRecord } from './schemas/call-invitation.schema';
import { ParticipantRecord } from './schemas/call-participant.schema';
import { UserRecord } from '../users/schemas/user.schema';

export interface JoinResult {
  call: CallView;
  agoraToken: AgoraCredentials;
}

export interface CallPage {
  calls: CallView[];
  total: number;
  limit: number;
  skip: number;
}

export interface ChatPage {
  messages: ChatMessageView[];
  limit: number;
  /** Pass as `before` to load older messages; null when this page was the last. */
  nextBefore: string | null;
}

/** How the caller relates to a call: the facts every access rule is decided on. */
export interface CallAccess {
  call: CallRecord;
  isHost: boolean;
  participant: ParticipantRecord | null;
  invitation: InvitationRecord | null;
}

const forbidden = (message: string = CALL_ERRORS.forbidden) => new AppException(ErrorCode.FORBIDDEN, message);
const conflict = (message: string) => new AppException(ErrorCode.CONFLICT, message);
const badRequest = (field: string, message: string) =>
  new AppException(ErrorCode.BAD_REQUEST, message, [{ field, message }]);
const isJoined = (access: CallAccess) => access.participant?.state === 'joined';
/** Bound on re-handing the host role when the chosen participant turns out to be leaving too. */
const MAX_HOST_HANDOVERS = 5;

/**
 * Calls: lifecycle, participants, invitations, media state, chat, Agora tokens. Object-level
 * authorization lives here, one helper per rule (`access*`), shared by REST and sockets.
 * Every state change publishes a domain event (core/events) after it is stored.
 */
@Injectable()
export class CallsService {
  constructor(
    private readonly repo: CallsRepository,
    private readonly users: UsersService,
    private readonly agora: AgoraTokenService,
    private readonly events: EventBus,
    private readonly passwordAttempts: CallPasswordAttempts,
  ) {}

  // ---------------------------------------------------------------- access rules

  /** The caller's relation to the call; 404 for an unknown or malformed id. */
  async relation(callId: string, userId: string): Promise<CallAccess> {
    const call = await this.repo.findCall(callId);
    if (!call) throw new AppException(ErrorCode.NOT_FOUND, CALL_ERRORS.notFound);
    const [participant, invitation] = await Promise.all([
      this.repo.findParticipant(call._id, userId),
      this.repo.findInvitation(call._id, userId),
    ]);
    return { call, isHost: call.hostId.toHexString() === userId, participant, invitation };
  }

  /** Read the call (details): the host, anyone who is or was in it, and invitees. Else 403. */
  async accessToView(callId: string, userId: string): Promise<CallAccess> {
    const access = await this.relation(callId, userId);
    if (!access.isHost && !access.participant && !access.invitation) throw forbidden();
    return access;
  }

  /**
   * Act in an open call (invite, chat): the host or a current participant. 403 for others,
   * 409 once the call has ended (for those who may see it).
   */
  async accessToInteract(callId: string, userId: string): Promise<CallAccess> {
    const access = await this.accessToView(callId, userId);
    this.assertOpen(access.call);
    if (!access.isHost && !isJoined(access)) throw forbidden(CALL_ERRORS.notJoined);
    return access;
  }

  /** Act with one's own participant (token, media): currently joined. */
  async accessAsJoined(callId: string, userId: string): Promise<CallAccess & { participant: ParticipantRecord }> {
    const access = await this.accessToView(callId, userId);
    this.assertOpen(access.call);
    if (!isJoined(access)) throw forbidden(CALL_ERRORS.notJoined);
    return access as CallAccess & { participant: ParticipantRecord };
  }

  /** End the call: the current host only. */
  async accessAsHost(callId: string, userId: string): Promise<CallAccess> {
    const access = await this.relation(callId, userId);
    if (!access.isHost) throw forbidden(CALL_ERRORS.notHost);
    return access;
  }

  /** Read the chat: the host and anyone who is or was in the call. */
  async accessToChatHistory(callId: string, userId: string): Promise<CallAccess> {
    const access = await this.relation(callId, userId);
    if (!access.isHost && !access.participant) throw forbidden();
    return access;
  }

  /**
   * Join: the host, an invitee (any invitation status) and a former participant, without a
   * password; for `group` calls also anyone else who knows the id, with the password when the
   * call requires one. One-to-one calls: only the host and the invitee. Removed users never.
   * Wrong passwords are limited per user and call (CallPasswordAttempts); a missing one is not a guess.
   */
  async accessToJoin(callId: string, userId: string, password?: string): Promise<CallAccess> {
    const access = await this.relation(callId, userId);
    if (access.participant?.state === 'kicked') throw forbidden(CALL_ERRORS.kicked);
    if (access.isHost || access.participant || access.invitation) return access;
    if (access.call.callMode === 'one-to-one') throw forbidden(CALL_ERRORS.oneToOneClosed);
    const hash = access.call.settings.passwordHash;
    if (access.call.settings.requirePassword && hash) {
      if (!password) throw forbidden(CALL_ERRORS.wrongPassword);
      await this.passwordAttempts.assertMayTry(callId, userId);
      if (!(await verifyPassword(password, hash))) {
        await this.passwordAttempts.recordFailure(callId, userId);
        throw forbidden(CALL_ERRORS.wrongPassword);
      }
    }
    return access;
  }

  private assertOpen(call: CallRecord): void {
    if (call.status === 'ended') throw conflict(CALL_ERRORS.ended);
  }

  // ---------------------------------------------------------------- lifecycle

  async create(userId: string, dto: CreateCallDto): Promise<CallView> {
    const maxParticipants = dto.maxParticipants ?? defaultMaxParticipants(dto.callMode);
    if (dto.callMode === 'one-to-one' && maxParticipants !== 2) {
      throw badRequest('maxParticipants', CALL_ERRORS.oneToOneMax);
    }
    const inviteeIds = dto.inviteUserIds ?? [];
    if (inviteeIds.includes(userId)) throw badRequest('inviteUserIds', CALL_ERRORS.selfInvite);
    if (inviteeIds.length > maxParticipants - 1) throw badRequest('inviteUserIds', CALL_ERRORS.tooManyInvites);
    await this.assertActiveUsers(inviteeIds);

    const now = new Date();
    const requested = dto.scheduledFor ? new Date(dto.scheduledFor) : null;
    const scheduledFor = requested && requested > now ? requested : null;
    const s = dto.settings ?? {};
    const requirePassword = s.requirePassword ?? false;
    const host = new Types.ObjectId(userId);
    const call = await this.repo.createCall({
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
    const callId = call._id;

    let agoraConfig: AgoraCredentials | null = null;
    if (!scheduledFor) {
      let participant: ParticipantRecord | false;
      try {
        participant = await this.repo.insertParticipant(call, userId, 1, this.joinFields(call, userId, now));
      } catch (error) {
        // The call was stored with the host's seat taken; nobody has seen it yet, so end it
        // quietly rather than leave an active call whose count says someone is in it.
        await this.repo.endCall(call, 'all-left', now, 0).catch(() => null);
        throw error;
      }
      if (participant) agoraConfig = this.agora.issue(call.channelName, participant.agoraUid, now);
      else await this.repo.releaseSeat(call._id, now);
    }
    const { created } = await this.repo.invite(call._id, userId, inviteeIds);

    this.events.publish('call.created', {
      callId,
      channelName: call.channelName,
      hostId: userId,
      title: call.title,
      callType: call.callType,
      callMode: call.callMode,
      status: call.status,
    });
    if (agoraConfig) this.emitJoined(call, userId, agoraConfig.uid, 'host', false);
    if (created.length > 0) this.emitInvited(call, userId, created);
    return { ...(await this.fullView(call)), agoraConfig };
  }

  async details(callId: string, userId: string): Promise<CallView> {
    const { call } = await this.accessToView(callId, userId);
    return this.fullView(call);
  }

  /**
   * Join (idempotent). The participant limit is one conditional `$inc` on the call
   * (CallsRepository.claimSeat); the participant document is written after it, and the seat is
   * given back if that write fails or a concurrent join of the same user won.
   */
  async join(callId: string, userId: string, password?: string): Promise<JoinResult> {
    const access = await this.accessToJoin(callId, userId, password);
    const { call } = access;
    this.assertOpen(call);
    if (access.participant?.state === 'joined') return this.joinResult(call, access.participant);

    const now = new Date();
    const claimed = await this.repo.claimSeat(call._id, call.maxParticipants, now);
    if (!claimed) {
      // A concurrent join of the same user may hold the seat this one could not get.
      const theirs = await this.repo.findParticipant(callId, userId);
      if (theirs?.state === 'joined') return this.joinResult((await this.repo.findCall(callId)) ?? call, theirs);
      const fresh = await this.repo.findCall(callId);
      throw conflict(fresh?.status === 'ended' ? CALL_ERRORS.ended : CALL_ERRORS.full);
    }

    let participant: ParticipantRecord | null;
    try {
      participant = await this.occupySeat(claimed, userId, access.participant, now);
    } catch (error) {
      await this.repo.releaseSeat(call._id, now);
      throw error;
    }
    if (!participant) {
      // A concurrent join of the same user took the participant first: answer with theirs.
      await this.repo.releaseSeat(call._id, now);
      const theirs = await this.repo.findParticipant(callId, userId);
      const fresh = await this.repo.findCall(callId);
      if (!fresh || fresh.status === 'ended') throw conflict(CALL_ERRORS.ended);
      if (theirs?.state !== 'joined') throw conflict(CALL_ERRORS.notJoined);
      return this.joinResult(fresh, theirs);
    }

    // The call may have ended (host, housekeeping, a decline) between the seat claim and the
    // participant write, after its end marked everyone left: this participant must not stay
    // joined in an ended call. An end after this read marks the participant left itself.
    const current = await this.repo.findCall(callId);
    if (!current || current.status === 'ended') {
      await this.repo.leaveParticipant(callId, userId, now);
      throw conflict(CALL_ERRORS.ended);
    }

    const started = claimed.status === 'scheduled' && (await this.repo.activate(call._id, now));
    if (access.invitation?.status === 'pending') await this.repo.answerInvitation(callId, userId, 'accepted', now);
    this.emitJoined(call, userId, participant.agoraUid, participant.role, started);
    return this.joinResult((await this.repo.findCall(callId)) ?? claimed, participant);
  }

  /** Leave: the last one out ends the call (`all-left`); a leaving host hands over to the earliest joiner. */
  async leave(callId: string, userId: string): Promise<CallView> {
    const { call } = await this.accessToView(callId, userId);
    this.assertOpen(call);
    const now = new Date();
    const left = await this.repo.leaveParticipant(callId, userId, now);
    if (!left) throw conflict(CALL_ERRORS.notJoined);
    // null: the call ended meanwhile (its end zeroed the count); nothing left to hand over.
    const after = (await this.repo.releaseSeat(call._id, now)) ?? (await this.repo.findCall(callId)) ?? call;
    this.events.publish('call.participant.left', {
      callId,
      channelName: call.channelName,
      userId,
      agoraUid: left.agoraUid,
    });
    if (after.status !== 'ended' && after.joinedCount <= 0) {
      await this.finish(after, 'all-left', userId, now, true);
    } else if (after.status !== 'ended' && after.hostId.toHexString() === userId) {
      await this.passHost(after, userId, now);
    }
    return this.fullView((await this.repo.findCall(callId)) ?? after);
  }

  async end(callId: string, userId: string): Promise<CallView> {
    const { call } = await this.accessAsHost(callId, userId);
    this.assertOpen(call);
    const ended = await this.finish(call, 'ended-by-host', userId, new Date());
    if (!ended) throw conflict(CALL_ERRORS.ended);
    return this.fullView(ended);
  }

  /** A fresh Agora token for a current participant (same uid). */
  async token(callId: string, userId: string): Promise<AgoraCredentials> {
    const { call, participant } = await this.accessAsJoined(callId, userId);
    return this.agora.issue(call.channelName, participant.agoraUid);
  }

  // ---------------------------------------------------------------- lists

  /** Active calls the user hosts, is joined to, or has a pending invitation to; newest first. */
  async active(userId: string): Promise<CallView[]> {
    const me = new Types.ObjectId(userId);
    const [hosted, joinedIds, invitedIds] = await Promise.all([
      this.repo.activeCallsHostedBy(me),
      this.repo.callIdsOfParticipant(me, true),
      this.repo.pendingInvitationCallIds(me),
    ]);
    const hostedIds = new Set(hosted.map((c) => c._id));
    const otherIds = [...new Set([...joinedIds, ...invitedIds])].filter((id) => !hostedIds.has(id));
    const others = await this.repo.callsByIds(otherIds, 'active');
    const calls = [...hosted, ...others].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const participants = await Promise.all(calls.map((c) => this.repo.participantsOf(c._id)));
    const users = await this.lookup([
      ...calls.map((c) => c.hostId.toHexString()),
      ...participants.flat().map((p) => p.userId.toHexString()),
    ]);
    return calls.map((call, i) => toCallView(call, users, { participants: participants[i] }));
  }

  /** Ended calls the user created or took part in, newest first. */
  async history(userId: string, limit: number, skip: number): Promise<CallPage> {
    const me = new Types.ObjectId(userId);
    const ids = await this.repo.callIdsOfParticipant(me, false);
    const { calls, total } = await this.repo.endedCallsPage(me, ids, limit, skip);
    const users = await this.lookup(calls.map((c) => c.hostId.toHexString()));
    return { calls: calls.map((c) => toCallView(c, users)), total, limit, skip };
  }

  // ---------------------------------------------------------------- invitations

  /**
   * Invite more users (host or current participant, open call). Users who are already invited,
   * in the call (now or before), the host, or the caller are skipped, not refused.
   * A one-to-one call has at most one invitee ever (409 otherwise).
   */
  async invite(
    callId: string,
    userId: string,
    userIds: string[],
  ): Promise<{ invitations: InvitationView[]; skipped: string[] }> {
    const { call } = await this.accessToInteract(callId, userId);
    await this.assertActiveUsers(userIds);
    const [participants, invitations] = await Promise.all([
      this.repo.participantsOf(call._id),
      this.repo.invitationsOf(call._id),
    ]);
    const taken = new Set([
      userId,
      call.hostId.toHexString(),
      ...participants.map((p) => p.userId.toHexString()),
      ...invitations.map((i) => i.inviteeId.toHexString()),
    ]);
    const fresh = userIds.filter((id) => !taken.has(id));
    const oneToOne = call.callMode === 'one-to-one' && fresh.length > 0;
    if (oneToOne) {
      if (invitations.length + fresh.length > 1) throw conflict(CALL_ERRORS.oneToOneInvitee);
      // The read above is only a fast path: the single invitation is claimed on the call by
      // one conditional write, so of racing invites exactly one inserts an invitation.
      if (!(await this.repo.claimOnlyInvitation(call._id))) {
        const theirs = await this.repo.findInvitation(callId, fresh[0]);
        if (!theirs) throw conflict(CALL_ERRORS.oneToOneInvitee);
        // A concurrent invite of the same user won: this one is a skip, as it would be later.
        return { invitations: [], skipped: userIds };
      }
    }
    let result: { created: InvitationRecord[]; skipped: string[] };
    try {
      result = await this.repo.invite(call._id, userId, fresh);
    } catch (error) {
      if (oneToOne) await this.repo.countInvitations(call._id, -1).catch(() => undefined);
      throw error;
    }
    const { created, skipped } = result;
    if (oneToOne) {
      if (created.length === 0) await this.repo.countInvitations(call._id, -1);
    } else {
      await this.repo.countInvitations(call._id, created.length);
    }
    if (created.length > 0) this.emitInvited(call, userId, created);
    const users = await this.lookup(created.map((i) => i.inviteeId.toHexString()));
    return {
      invitations: created.map((i) => toInvitationView(i, users)),
      skipped: [...userIds.filter((id) => taken.has(id)), ...skipped],
    };
  }

  /**
   * Answer one's own pending invitation, once. Accepting does not join (the client joins next).
   * A one-to-one call ends with reason `declined` when its invitee declines while nobody but the
   * host has ever joined it and no other invitation is pending or accepted.
   */
  async respond(
    callId: string,
    userId: string,
    response: InvitationResponse,
  ): Promise<{ invitation: InvitationView; call: CallView }> {
    const { call, invitation } = await this.relation(callId, userId);
    if (!invitation) throw forbidden(CALL_ERRORS.noInvitation);
    if (invitation.status !== 'pending') throw conflict(CALL_ERRORS.alreadyAnswered);
    this.assertOpen(call);
    const now = new Date();
    const answered = await this.repo.answerInvitation(callId, userId, response, now);
    if (!answered) throw conflict(CALL_ERRORS.alreadyAnswered);
    this.events.publish('call.invitation.responded', {
      callId,
      channelName: call.channelName,
      userId,
      response,
      hostId: call.hostId.toHexString(),
    });
    if (response === 'declined' && call.callMode === 'one-to-one') await this.endIfDeclined(call, userId, now);
    const users = await this.lookup([userId]);
    return {
      invitation: toInvitationView(answered, users),
      call: await this.fullView((await this.repo.findCall(callId)) ?? call),
    };
  }

  private async endIfDeclined(call: CallRecord, userId: string, now: Date): Promise<void> {
    const [participants, invitations] = await Promise.all([
      this.repo.participantsOf(call._id),
      this.repo.invitationsOf(call._id),
    ]);
    const host = call.hostId.toHexString();
    if (participants.some((p) => p.userId.toHexString() !== host)) return;
    if (invitations.some((i) => i.status === 'pending' || i.status === 'accepted')) return;
    await this.finish(call, 'declined', userId, now);
  }

  // ---------------------------------------------------------------- media and chat

  async media(callId: string, userId: string, flags: MediaFlags): Promise<ParticipantView> {
    const { call } = await this.accessAsJoined(callId, userId);
    const changes = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as MediaFlags;
    if (Object.keys(changes).length === 0) {
      throw badRequest('audioEnabled', 'Give at least one of audioEnabled, videoEnabled, screenSharing');
    }
    if (changes.screenSharing && !call.settings.allowScreenShare) throw forbidden(CALL_ERRORS.screenShareDisabled);
    const updated = await this.repo.setMedia(callId, userId, changes);
    if (!updated) throw forbidden(CALL_ERRORS.notJoined);
    this.events.publish('call.media.updated', {
      callId,
      channelName: call.channelName,
      userId,
      agoraUid: updated.agoraUid,
      audioEnabled: updated.audioEnabled,
      videoEnabled: updated.videoEnabled,
      screenSharing: updated.screenSharing,
    });
    return toParticipantView(updated, await this.lookup([userId]));
  }

  async sendChat(
    callId: string,
    userId: string,
    message: string,
    messageType: 'text' | 'emoji',
  ): Promise<ChatMessageView> {
    const { call } = await this.accessToInteract(callId, userId);
    if (!call.settings.allowChat) throw forbidden(CALL_ERRORS.chatDisabled);
    const stored = await this.repo.addMessage(call._id, userId, message, messageType);
    this.events.publish('call.chat.message', {
      callId,
      channelName: call.channelName,
      messageId: stored._id.toHexString(),
      senderId: userId,
      message: stored.message,
      messageType: stored.messageType,
      createdAt: stored.createdAt.toISOString(),
    });
    return toChatMessageView(stored, await this.lookup([userId]));
  }

  /** Newest first; `before` pages backwards by `createdAt`. */
  async chat(callId: string, userId: string, limit: number, before?: string): Promise<ChatPage> {
    const { call } = await this.accessToChatHistory(callId, userId);
    const rows = await this.repo.messagesOf(call._id, limit, before ? new Date(before) : undefined);
    const users = await this.lookup(rows.map((m) => m.senderId.toHexString()));
    return {
      messages: rows.map((m) => toChatMessageView(m, users)),
      limit,
      nextBefore: rows.length === limit ? rows[rows.length - 1].createdAt.toISOString() : null,
    };
  }

  // ---------------------------------------------------------------- housekeeping

  /** Ends active calls that have had nobody joined since before `now - idleSeconds`. */
  async endIdleCalls(now: Date, idleSeconds: number): Promise<number> {
    const idle = await this.repo.idleCalls(new Date(now.getTime() - idleSeconds * 1000));
    let ended = 0;
    for (const call of idle) if (await this.finish(call, 'idle', null, now, true)) ended += 1;
    return ended;
  }

  /** Ends scheduled calls that never started, `graceSeconds` after their scheduled time. */
  async endStaleScheduledCalls(now: Date, graceSeconds: number): Promise<number> {
    const stale = await this.repo.staleScheduledCalls(new Date(now.getTime() - graceSeconds * 1000));
    let ended = 0;
    for (const call of stale) if (await this.finish(call, 'expired', null, now)) ended += 1;
    return ended;
  }

  // ---------------------------------------------------------------- internals

  /** Ends the call once (conditional on its status); marks everyone left and pending invitations missed. */
  private async finish(
    call: CallRecord,
    reason: EndReason,
    endedBy: string | null,
    now: Date,
    onlyIfEmpty = false,
  ): Promise<CallRecord | null> {
    const ended = await this.repo.endCall(call, reason, now, callDurationSeconds(call.startedAt, now), onlyIfEmpty);
    if (!ended) return null;
    const participantIds = await this.repo.leaveAll(call._id, now);
    await this.repo.markMissed(call._id, now);
    this.events.publish('call.ended', {
      callId: call._id,
      channelName: call.channelName,
      reason,
      endedBy,
      duration: ended.duration ?? 0,
      participantIds,
    });
    return ended;
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
      const next = await this.repo.earliestJoined(call._id);
      if (!next) {
        await this.finish(call, 'all-left', previousHostId, now);
        return;
      }
      if (!(await this.repo.changeHost(call._id, from, next.userId))) return;
      const newHostId = next.userId.toHexString();
      await this.repo.setRole(callId, fromId, 'participant');
      await this.repo.setRole(callId, newHostId, 'host');
      this.events.publish('call.host.changed', {
        callId,
        channelName: call.channelName,
        previousHostId: fromId,
        newHostId,
      });
      const chosen = await this.repo.findParticipant(callId, newHostId);
      if (chosen?.state === 'joined') return;
      // Their own leave may already have demoted them before the promotion above landed.
      await this.repo.setRole(callId, newHostId, 'participant');
      from = next.userId;
      fromId = newHostId;
    }
  }

  /** The participant write after a seat claim; null when a concurrent join of the same user won. */
  private async occupySeat(
    claimed: CallRecord,
    userId: string,
    previous: ParticipantRecord | null,
    now: Date,
  ): Promise<ParticipantRecord | null> {
    const fields = this.joinFields(claimed, userId, now);
    if (previous) return this.repo.rejoinParticipant(claimed._id, userId, fields);
    const uid = agoraUidFromCounter(claimed.nextAgoraUid);
    return (await this.repo.insertParticipant(claimed, userId, uid, fields)) || null;
  }

  /** The host is never muted by `muteOnJoin`; audio calls start with video off. */
  private joinFields(call: CallRecord, userId: string, now: Date): JoinFields {
    const isHost = call.hostId.toHexString() === userId;
    return {
      role: isHost ? 'host' : 'participant',
      joinedAt: now,
      audioEnabled: isHost || !call.settings.muteOnJoin,
      videoEnabled: call.callType === 'video',
    };
  }

  private async joinResult(call: CallRecord, participant: ParticipantRecord): Promise<JoinResult> {
    return {
      call: await this.fullView(call),
      agoraToken: this.agora.issue(call.channelName, participant.agoraUid),
    };
  }

  private async fullView(call: CallRecord): Promise<CallView> {
    const [participants, invitations] = await Promise.all([
      this.repo.participantsOf(call._id),
      this.repo.invitationsOf(call._id),
    ]);
    const users = await this.lookup([
      call.hostId.toHexString(),
      ...participants.map((p) => p.userId.toHexString()),
      ...invitations.map((i) => i.inviteeId.toHexString()),
    ]);
    return toCallView(call, users, { participants, invitations });
  }

  private async lookup(ids: string[]): Promise<UserLookup> {
    const unique = [...new Set(ids)];
    const found: UserRecord[] = unique.length > 0 ? await this.users.findByIds(unique) : [];
    return new Map(found.map((u) => [u._id.toHexString(), u]));
  }

  /** 404 unless every id is an existing, active account. */
  private async assertActiveUsers(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const found = await this.users.findByIds(ids);
    const active = found.filter((u) => u.accountStatus === 'active');
    if (active.length !== new Set(ids).size) throw new AppException(ErrorCode.NOT_FOUND, CALL_ERRORS.usersNotFound);
  }

  private emitJoined(
    call: CallRecord,
    userId: string,
    agoraUid: number,
    role: ParticipantRecord['role'],
    callStarted: boolean,
  ) {
    this.events.publish('call.participant.joined', {
      callId: call._id,
      channelName: call.channelName,
      userId,
      agoraUid,
      role,
      callStarted,
    });
  }

  private emitInvited(call: CallRecord, invitedBy: string, created: InvitationRecord[]) {
    this.events.publish('call.invited', {
      callId: call._id,
      channelName: call.channelName,
      title: call.title,
      callType: call.callType,
      callMode: call.callMode,
      invitedBy,
      inviteeIds: created.map((i) => i.inviteeId.toHexString()),
    });
  }
}
