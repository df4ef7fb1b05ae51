import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { isDuplicateKey } from '@app/common';
import { FilterQuery, Model, Types } from 'mongoose';
import { APP_CONFIG, AppConfig } from '../../../core/config/app-config';
import { CallRecord } from '../schemas/call.schema';
import { CallParticipant, ParticipantRecord, ParticipantRole, participantId } from '../schemas/call-participant.schema';

/** Participants whose last sign of life this instance remembers, at most. */
const MARKED_MAX = 10_000;

/** What a join sets on the participant (call-rules.ts `joinFields`). */
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
 * The `call_participants` collection: one document per (call, user), keyed `<callId>:<userId>` so
 * that every per-user lookup and write goes by `_id`. State changes are conditional on the state
 * they leave, so a concurrent request of the same user cannot apply twice.
 */
@Injectable()
export class ParticipantRepository {
  /** When this instance last wrote each participant's sign of life (ms), oldest first. */
  private readonly marked = new Map<string, number>();
  private readonly markEveryMs: number;

  constructor(
    @InjectModel(CallParticipant.name) private readonly participants: Model<CallParticipant>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.markEveryMs = Math.min(60_000, ((config.calls?.idleTimeoutSeconds ?? 600) * 1000) / 10);
  }

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
        lastActiveAt: fields.joinedAt,
      });
      return created.toObject();
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
        { $set: { ...fields, lastActiveAt: fields.joinedAt, state: 'joined', leftAt: null, screenSharing: false } },
        { new: true },
      )
      .lean<ParticipantRecord>()
      .exec();
  }

  /**
   * joined → left, once. null when the user was not joined. With `quietBefore`, only if the
   * participant showed no sign of life since then (housekeeping's rule for quiet participants).
   */
  leaveParticipant(callId: string, userId: string, now: Date, quietBefore?: Date): Promise<ParticipantRecord | null> {
    const filter: FilterQuery<CallParticipant> = { _id: participantId(callId, userId), state: 'joined' };
    if (quietBefore) {
      filter.$or = [
        { lastActiveAt: { $lt: quietBefore } },
        { lastActiveAt: { $exists: false }, joinedAt: { $lt: quietBefore } },
      ];
    }
    return this.participants
      .findOneAndUpdate(filter, { $set: { state: 'left', leftAt: now, screenSharing: false } }, { new: true })
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

  async setRole(callId: string, userId: string, role: ParticipantRole): Promise<void> {
    await this.participants.updateOne({ _id: participantId(callId, userId) }, { $set: { role } }).exec();
  }

  /** The caller's own media flags, only while joined (a sign of life too). null when not joined. */
  setMedia(callId: string, userId: string, flags: MediaFlags, now: Date): Promise<ParticipantRecord | null> {
    return this.participants
      .findOneAndUpdate(
        { _id: participantId(callId, userId), state: 'joined' },
        { $set: { ...flags, lastActiveAt: now } },
        { new: true },
      )
      .lean<ParticipantRecord>()
      .exec();
  }

  /**
   * A sign of life of a joined participant (a chat message, a token request, a repeated join): one
   * write by `_id`, skipped when this instance wrote one for them less than a tenth of
   * CALL_IDLE_TIMEOUT ago (at most a minute), so a busy chat does not double its writes.
   */
  async markActive(callId: string, userId: string, now: Date): Promise<void> {
    const id = participantId(callId, userId);
    const last = this.marked.get(id);
    if (last !== undefined && now.getTime() - last >= 0 && now.getTime() - last < this.markEveryMs) return;
    await this.participants.updateOne({ _id: id, state: 'joined' }, { $set: { lastActiveAt: now } }).exec();
    this.marked.delete(id);
    this.marked.set(id, now.getTime());
    if (this.marked.size > MARKED_MAX) this.marked.delete(this.marked.keys().next().value as string);
  }

  /**
   * Joined participants of `callIds` with no sign of life since `cutoff` (`lastActiveAt`, or
   * `joinedAt` on documents without it). The filter is the `call_state_joined` index's prefix and
   * range; `lastActiveAt` is checked here, since `joinedAt` is never later than it.
   */
  async quietParticipants(callIds: string[], cutoff: Date): Promise<ParticipantRecord[]> {
    if (callIds.length === 0) return [];
    const joined = await this.participants
      .find({ callId: { $in: callIds }, state: 'joined', joinedAt: { $lt: cutoff } })
      .lean<ParticipantRecord[]>()
      .exec();
    return joined.filter((p) => (p.lastActiveAt ?? p.joinedAt) < cutoff);
  }

  /** Ids of calls the user is joined to now (`joinedOnly`) or ever took part in. */
  async callIdsOfParticipant(userId: Types.ObjectId, joinedOnly: boolean): Promise<string[]> {
    const filter: FilterQuery<CallParticipant> = joinedOnly ? { userId, state: 'joined' } : { userId };
    const rows = await this.participants.find(filter, { callId: 1 }).lean<{ callId: string }[]>().exec();
    return rows.map((row) => row.callId);
  }

  /**
   * Removes the participant (joined or left → kicked), once: null when they were already kicked.
   * Returns the record as it was before, so the caller knows whether a seat was held.
   */
  kickParticipant(callId: string, userId: string, now: Date): Promise<ParticipantRecord | null> {
    return this.participants
      .findOneAndUpdate(
        { _id: participantId(callId, userId), state: { $in: ['joined', 'left'] } },
        { $set: { state: 'kicked', leftAt: now, screenSharing: false } },
        { new: false },
      )
      .lean<ParticipantRecord>()
      .exec();
  }

  /**
   * A kicked user's rejoin after a new invitation (kicked → joined), keeping the uid. null when
   * they are no longer kicked (a concurrent join of the same user readmitted them first).
   */
  readmitParticipant(callId: string, userId: string, fields: JoinFields): Promise<ParticipantRecord | null> {
    return this.participants
      .findOneAndUpdate(
        { _id: participantId(callId, userId), state: 'kicked' },
        { $set: { ...fields, lastActiveAt: fields.joinedAt, state: 'joined', leftAt: null, screenSharing: false } },
        { new: true },
      )
      .lean<ParticipantRecord>()
      .exec();
  }
}
