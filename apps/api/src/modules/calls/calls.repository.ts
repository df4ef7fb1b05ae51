import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { isDuplicateKey } from '@app/common';
import { FilterQuery, Model, Types } from 'mongoose';
import { CALL_ID, newCallId } from './call-rules';
import { Call, CallRecord, CallStatus, EndReason } from './schemas/call.schema';
import { CallInvitation, InvitationRecord, InvitationStatus, invitationId } from './schemas/call-invitation.schema';
import { CallParticipant, ParticipantRecord, ParticipantRole, participantId } from './schemas/call-participant.schema';
import { ChatMessage, ChatMessageRecord, MessageType } from './schemas/chat-message.schema';

const OPEN: CallStatus[] = ['active', 'scheduled'];

export type NewCall = Omit<
  Call,
  '_id' | 'createdAt' | 'updatedAt' | 'endedAt' | 'duration' | 'endReason' | 'startedAt'
> & {
  startedAt: Date | null;
};

export interface JoinFields {
  role: ParticipantRole;
  joinedAt: Date;
  audioEnabled: boolean;
  videoEnabled: boolean;
}

export interface MediaFlags {
  audioEnabled?: boolean;
  videoEnabled?: boolean;
  screenSharing?: boolean;
}

/**
 * The only place that touches the calls module's collections. Every rule that must hold under
 * races is one conditional write with the rule in the filter (design.md §3); the embedded
 * database's write front makes each such write atomic, as MongoDB does.
 */
@Injectable()
export class CallsRepository {
  constructor(
    @InjectModel(Call.name) private readonly calls: Model<Call>,
    @InjectModel(CallParticipant.name) private readonly participants: Model<CallParticipant>,
    @InjectModel(CallInvitation.name) private readonly invitations: Model<CallInvitation>,
    @InjectModel(ChatMessage.name) private readonly messages: Model<ChatMessage>,
  ) {}

  // ---- calls

  async createCall(call: NewCall): Promise<CallRecord> {
    const created = await this.calls.create({ _id: newCallId(), ...call });
    return created.toObject() as CallRecord;
  }

  /** null for an unknown or malformed id. */
  findCall(id: string): Promise<CallRecord | null> {
    if (!CALL_ID.test(id)) return Promise.resolve(null);
    return this.calls.findById(id).lean<CallRecord>().exec();
  }

  /**
   * Takes a seat: one conditional `$inc` on the call, so the limit holds under concurrent joins.
   * The same write hands out an Agora uid (`nextAgoraUid`); a rejoiner keeps its old uid and the
   * new one is simply never used. null: the call is ended or full.
   */
  claimSeat(callId: string, maxParticipants: number, now: Date): Promise<CallRecord | null> {
    return this.calls
      .findOneAndUpdate(
        { _id: callId, status: { $in: OPEN }, joinedCount: { $lt: maxParticipants } },
        { $inc: { joinedCount: 1, nextAgoraUid: 1 }, $set: { lastActivityAt: now } },
        { new: true },
      )
      .lean<CallRecord>()
      .exec();
  }

  /**
   * Gives a seat back (a leave, or the undo of a claim whose participant write failed). Only
   * while the call is open and the count is positive: ending a call zeroes the count, and a
   * release after that must not drive it below 0. null when nothing was released.
   */
  releaseSeat(callId: string, now: Date): Promise<CallRecord | null> {
    return this.calls
      .findOneAndUpdate(
        { _id: callId, status: { $in: OPEN }, joinedCount: { $gt: 0 } },
        { $inc: { joinedCount: -1 }, $set: { lastActivityAt: now } },
        { new: true },
      )
      .lean<CallRecord>()
      .exec();
  }

  /** scheduled → active, once: `true` for the one caller that made the change. */
  async activate(callId: string, now: Date): Promise<boolean> {
    const { modifiedCount } = await this.calls
      .updateOne({ _id: callId, status: 'scheduled' }, { $set: { status: 'active', startedAt: now } })
      .exec();
    return modifiedCount > 0;
  }

  /**
   * Ends the call if it is still open (and, with `onlyIfEmpty`, still has nobody joined).
   * null when another request ended it first or someone joined meanwhile.
   */
  endCall(
    call: CallRecord,
    reason: EndReason,
    endedAt: Date,
    duration: number,
    onlyIfEmpty = false,
  ): Promise<CallRecord | null> {
    const filter: FilterQuery<Call> = { _id: call._id, status: { $in: OPEN } };
    if (onlyIfEmpty) filter.joinedCount = { $lte: 0 };
    return this.calls
      .findOneAndUpdate(
        filter,
        { $set: { status: 'ended', endedAt, duration, endReason: reason, joinedCount: 0 } },
        { new: true },
      )
      .lean<CallRecord>()
      .exec();
  }

  /**
   * Claims the single invitation of a one-to-one call: one conditional `$inc`, so of racing
   * invites exactly one gets it. false when the call already has its invitee (or has ended).
   */
  async claimOnlyInvitation(callId: string): Promise<boolean> {
    const { modifiedCount } = await this.calls
      .updateOne(
        {
          _id: callId,
          status: { $in: OPEN },
          $or: [{ inviteeCount: { $lt: 1 } }, { inviteeCount: { $exists: false } }],
        },
        { $inc: { inviteeCount: 1 } },
      )
      .exec();
    return modifiedCount > 0;
  }

  /** Adds to (or, negative, gives back to) the call's invitation count. */
  async countInvitations(callId: string, by: number): Promise<void> {
    if (by === 0) return;
    await this.calls.updateOne({ _id: callId }, { $inc: { inviteeCount: by } }).exec();
  }

  /** Moves the host role, only if `from` still holds it. */
  async changeHost(callId: string, from: Types.ObjectId, to: Types.ObjectId): Promise<boolean> {
    const { modifiedCount } = await this.calls
      .updateOne({ _id: callId, hostId: from }, { $set: { hostId: to } })
      .exec();
    return modifiedCount > 0;
  }

  /** Calls by id with the given statuses, newest first (second query of the active list). */
  callsByIds(ids: string[], status: CallStatus): Promise<CallRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.calls
      .find({ _id: { $in: ids }, status })
      .sort({ createdAt: -1, _id: -1 })
      .lean<CallRecord[]>()
      .exec();
  }

  activeCallsHostedBy(userId: Types.ObjectId): Promise<CallRecord[]> {
    return this.calls.find({ hostId: userId, status: 'active' }).lean<CallRecord[]>().exec();
  }

  /** Ended calls among `ids` or created by `userId`, newest first, one page and the total. */
  async endedCallsPage(
    userId: Types.ObjectId,
    ids: string[],
    limit: number,
    skip: number,
  ): Promise<{ calls: CallRecord[]; total: number }> {
    const filter: FilterQuery<Call> = { status: 'ended', $or: [{ createdBy: userId }, { _id: { $in: ids } }] };
    const [calls, total] = await Promise.all([
      this.calls.find(filter).sort({ endedAt: -1, _id: -1 }).skip(skip).limit(limit).lean<CallRecord[]>().exec(),
      this.calls.countDocuments(filter).exec(),
    ]);
    return { calls, total };
  }

  /** Active calls with nobody joined whose last join or leave is older than `cutoff`. */
  idleCalls(cutoff: Date): Promise<CallRecord[]> {
    return this.calls
      .find({ status: 'active', joinedCount: { $lte: 0 }, lastActivityAt: { $lt: cutoff } })
      .lean<CallRecord[]>()
      .exec();
  }

  /** Scheduled calls that never started, scheduled before `cutoff`. */
  staleScheduledCalls(cutoff: Date): Promise<CallRecord[]> {
    return this.calls
      .find({ status: 'scheduled', scheduledFor: { $lt: cutoff } })
      .lean<CallRecord[]>()
      .exec();
  }

  // ---- participants

  findParticipant(callId: string, userId: string): Promise<ParticipantRecord | null> {
    return this.participants.findById(participantId(callId, userId)).lean<ParticipantRecord>().exec();
  }

  /** First join of the user: false when a concurrent request of the same user inserted first. */
  async insertParticipant(
    call: CallRecord,
    userId: string,
    agoraUid: number,
    fields: JoinFields,
  ): Promise<ParticipantRecord | false> {
    try {
      const created = await this.participants.create({
        _id: participantId(call._id, userId),
        callId: call._id,
        userId: new Types.ObjectId(userId),
        agoraUid,
        state: 'joined',
        leftAt: null,
        screenSharing: false,
        ...fields,
      });
      return created.toObject() as ParticipantRecord;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** A rejoin (left → joined), keeping the uid. null when the user is already joined (or kicked). */
  rejoinParticipant(callId: string, userId: string, fields: JoinFields): Promise<ParticipantRecord | null> {
    return this.participants
      .findOneAndUpdate(
        { _id: participantId(callId, userId), state: 'left' },
        { $set: { ...fields, state: 'joined', leftAt: null, screenSharing: false } },
        { new: true },
      )
      .lean<ParticipantRecord>()
      .exec();
  }

  /** joined → left, once. null when the user was not joined. */
  leaveParticipant(callId: string, userId: string, now: Date): Promise<ParticipantRecord | null> {
    return this.participants
      .findOneAndUpdate(
        { _id: participantId(callId, userId), state: 'joined' },
        { $set: { state: 'left', leftAt: now, screenSharing: false } },
        { new: true },
      )
      .lean<ParticipantRecord>()
      .exec();
  }

  /** Marks everyone still joined as left (the call ended); returns who was joined. */
  async leaveAll(callId: string, now: Date): Promise<string[]> {
    const joined = await this.participants
      .find({ callId, state: 'joined' }, { userId: 1 })
      .lean<{ userId: Types.ObjectId }[]>()
      .exec();
    await this.participants
      .updateMany({ callId, state: 'joined' }, { $set: { state: 'left', leftAt: now, screenSharing: false } })
      .exec();
    return joined.map((p) => p.userId.toHexString());
  }

  participantsOf(callId: string): Promise<ParticipantRecord[]> {
    return this.participants.find({ callId }).sort({ joinedAt: 1, _id: 1 }).lean<ParticipantRecord[]>().exec();
  }

  /** The joined participant who joined first (the next host). */
  earliestJoined(callId: string): Promise<ParticipantRecord | null> {
    return this.participants
      .findOne({ callId, state: 'joined' })
      .sort({ joinedAt: 1, _id: 1 })
      .lean<ParticipantRecord>()
      .exec();
  }

  async setRole(callId: string, userId: string, role: ParticipantRole): Promise<void> {
    await this.participants.updateOne({ _id: participantId(callId, userId) }, { $set: { role } }).exec();
  }

  /** The caller's own media flags, only while joined. null when not joined. */
  setMedia(callId: string, userId: string, flags: MediaFlags): Promise<ParticipantRecord | null> {
    return this.participants
      .findOneAndUpdate({ _id: participantId(callId, userId), state: 'joined' }, { $set: flags }, { new: true })
      .lean<ParticipantRecord>()
      .exec();
  }

  /** Ids of calls the user is joined to now (`joinedOnly`) or ever took part in. */
  async callIdsOfParticipant(userId: Types.ObjectId, joinedOnly: boolean): Promise<string[]> {
    const filter: FilterQuery<CallParticipant> = joinedOnly ? { userId, state: 'joined' } : { userId };
    const rows = await this.participants.find(filter, { callId: 1 }).lean<{ callId: string }[]>().exec();
    return rows.map((row) => row.callId);
  }

  // ---- invitations

  /** Inserts one pending invitation per invitee; invitees who already have one are returned as skipped. */
  async invite(
    callId: string,
    invitedBy: string,
    inviteeIds: string[],
  ): Promise<{ created: InvitationRecord[]; skipped: string[] }> {
    const created: InvitationRecord[] = [];
    const skipped: string[] = [];
    for (const inviteeId of inviteeIds) {
      try {
        const doc = await this.invitations.create({
          _id: invitationId(callId, inviteeId),
          callId,
          inviteeId: new Types.ObjectId(inviteeId),
          invitedBy: new Types.ObjectId(invitedBy),
          status: 'pending',
        });
        created.push(doc.toObject() as InvitationRecord);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        skipped.push(inviteeId);
      }
    }
    return { created, skipped };
  }

  findInvitation(callId: string, userId: string): Promise<InvitationRecord | null> {
    return this.invitations.findById(invitationId(callId, userId)).lean<InvitationRecord>().exec();
  }

  invitationsOf(callId: string): Promise<InvitationRecord[]> {
    return this.invitations.find({ callId }).sort({ createdAt: 1, _id: 1 }).lean<InvitationRecord[]>().exec();
  }

  /** pending → answer, once. null when it was not pending. */
  answerInvitation(
    callId: string,
    userId: string,
    answer: Exclude<InvitationStatus, 'pending'>,
    now: Date,
  ): Promise<InvitationRecord | null> {
    return this.invitations
      .findOneAndUpdate(
        { _id: invitationId(callId, userId), status: 'pending' },
        { $set: { status: answer, respondedAt: now } },
        { new: true },
      )
      .lean<InvitationRecord>()
      .exec();
  }

  /** Invitations still pending when the call ended were missed. */
  async markMissed(callId: string, now: Date): Promise<void> {
    await this.invitations
      .updateMany({ callId, status: 'pending' }, { $set: { status: 'missed', respondedAt: now } })
      .exec();
  }

  async pendingInvitationCallIds(userId: Types.ObjectId): Promise<string[]> {
    const rows = await this.invitations
      .find({ inviteeId: userId, status: 'pending' }, { callId: 1 })
      .lean<{ callId: string }[]>()
      .exec();
    return rows.map((row) => row.callId);
  }

  // ---- chat

  async addMessage(
    callId: string,
    senderId: string,
    message: string,
    messageType: MessageType,
  ): Promise<ChatMessageRecord> {
    const created = await this.messages.create({
      callId,
      senderId: new Types.ObjectId(senderId),
      message,
      messageType,
    });
    return created.toObject() as ChatMessageRecord;
  }

  /** Newest first, strictly before `before` when given. */
  messagesOf(callId: string, limit: number, before?: Date): Promise<ChatMessageRecord[]> {
    const filter: FilterQuery<ChatMessage> = before ? { callId, createdAt: { $lt: before } } : { callId };
    return this.messages.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<ChatMessageRecord[]>().exec();
  }
}
