import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { FilterQuery, Model, Types } from 'mongoose';
import { isDuplicateKey } from '@app/common';
import { CALL_ID, newCallId } from '../call-rules';
import { Call, CallMode, CallRecord, CallStatus, CallType, EndReason } from '../schemas/call.schema';
import { OpenCall } from '../schemas/open-call.schema';

const OPEN: CallStatus[] = ['active', 'scheduled'];
/** Open-call entries read per round trip, and calls per `_id: { $in }` lookup (the embedded front's limit is 256). */
const OPEN_BATCH = 256;

/** Calls a housekeeping sweep may end, by why. */
export interface StaleCalls {
  /** Active, nobody joined, no join or leave since before the idle cutoff. */
  idle: CallRecord[];
  /** Scheduled before the scheduled cutoff and never started. */
  expired: CallRecord[];
  /** Ids of active calls with someone joined (whose quiet participants housekeeping checks). */
  occupied: string[];
}

export type NewCall = Omit<
  Call,
  '_id' | 'createdAt' | 'updatedAt' | 'endedAt' | 'duration' | 'endReason' | 'startedAt'
> & {
  startedAt: Date | null;
};

/** Which calls a staff listing shows: every given field must match; `from`/`to` bound `createdAt`. */
export interface CallListFilter {
  status?: CallStatus;
  callType?: CallType;
  callMode?: CallMode;
  /** The current host. */
  hostId?: string;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
}

/**
 * The `calls` collection and its register of open calls (`open_calls`, see OpenCall). Every rule
 * that must hold under races is one conditional write with the rule in the filter
 * (docs/architecture.md, "Mail, contacts, calls"); the embedded database's write front makes each
 * such write atomic, as MongoDB does.
 */
@Injectable()
export class CallRepository {
  constructor(
    @InjectModel(Call.name) private readonly calls: Model<Call>,
    @InjectModel(OpenCall.name) private readonly open: Model<OpenCall>,
  ) {}

  /** Enters the call in the open-call register first, so no open call is ever missing from it. */
  async createCall(call: NewCall): Promise<CallRecord> {
    const _id = newCallId();
    await this.open.create({ _id, openedAt: new Date() });
    const created = await this.calls.create({ _id, ...call });
    return created.toObject();
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
  async endCall(
    call: CallRecord,
    reason: EndReason,
    endedAt: Date,
    duration: number,
    onlyIfEmpty = false,
  ): Promise<CallRecord | null> {
    const filter: FilterQuery<Call> = { _id: call._id, status: { $in: OPEN } };
    if (onlyIfEmpty) filter.joinedCount = { $lte: 0 };
    const ended = await this.calls
      .findOneAndUpdate(
        filter,
        { $set: { status: 'ended', endedAt, duration, endReason: reason, joinedCount: 0 } },
        { new: true },
      )
      .lean<CallRecord>()
      .exec();
    // After the end, never before: an entry left by a failure here is dropped by the next sweep.
    if (ended) await this.open.deleteOne({ _id: call._id }).exec();
    return ended;
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

  /**
   * Calls by id with the given status, newest first (second query of the active list). The filter
   * names `_id` alone and the status and order are applied here, so the embedded database answers
   * it by `_id` lookups instead of a scan.
   */
  async callsByIds(ids: string[], status: CallStatus): Promise<CallRecord[]> {
    if (ids.length === 0) return [];
    const found = await this.calls
      .find({ _id: { $in: ids } })
      .lean<CallRecord[]>()
      .exec();
    return found
      .filter((call) => call.status === status)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0));
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

  /**
   * The open calls a sweep may end: read from the open-call register in batches and looked up by
   * `_id`, so the work grows with the number of open calls, not with every call ever made. Entries
   * whose call has ended or does not exist (a crash between two writes) are removed on the way.
   */
  async staleCalls(idleCutoff: Date, scheduledCutoff: Date): Promise<StaleCalls> {
    const stale: StaleCalls = { idle: [], expired: [], occupied: [] };
    const entries = this.open.find({}, { _id: 1 }).lean<{ _id: string }[]>().cursor({ batchSize: OPEN_BATCH });
    let batch: string[] = [];
    const take = async () => {
      const calls = await this.calls
        .find({ _id: { $in: batch } })
        .lean<CallRecord[]>()
        .exec();
      const byId = new Map(calls.map((call) => [call._id, call]));
      const closed = batch.filter((id) => byId.get(id)?.status !== 'active' && byId.get(id)?.status !== 'scheduled');
      if (closed.length > 0) await this.open.deleteMany({ _id: { $in: closed } }).exec();
      for (const call of calls) {
        if (call.status === 'active' && call.joinedCount <= 0 && call.lastActivityAt < idleCutoff)
          stale.idle.push(call);
        if (call.status === 'active' && call.joinedCount > 0) stale.occupied.push(call._id);
        if (call.status === 'scheduled' && call.scheduledFor && call.scheduledFor < scheduledCutoff) {
          stale.expired.push(call);
        }
      }
      batch = [];
    };
    for await (const entry of entries) {
      batch.push(entry._id);
      if (batch.length === OPEN_BATCH) await take();
    }
    if (batch.length > 0) await take();
    return stale;
  }

  /**
   * Enters every open call that has no entry yet (calls stored before the register existed): one
   * scan of `calls` by status, so each process runs it once, at its first sweep. Returns how many
   * entries it added.
   */
  async registerOpenCalls(now: Date): Promise<number> {
    const open = await this.calls
      .find({ status: { $in: OPEN } }, { _id: 1 })
      .lean<{ _id: string }[]>()
      .exec();
    let added = 0;
    for (let i = 0; i < open.length; i += OPEN_BATCH) {
      const ids = open.slice(i, i + OPEN_BATCH).map((call) => call._id);
      const known = new Set(
        (
          await this.open
            .find({ _id: { $in: ids } }, { _id: 1 })
            .lean<{ _id: string }[]>()
            .exec()
        ).map((entry) => entry._id),
      );
      const missing = ids.filter((id) => !known.has(id)).map((_id) => ({ _id, openedAt: now }));
      if (missing.length === 0) continue;
      await this.open.insertMany(missing, { ordered: false }).catch((error: unknown) => {
        // A concurrent sweep of another instance may have entered some of them first.
        if (!isDuplicateKey(error)) throw error;
      });
      added += missing.length;
    }
    return added;
  }

  /**
   * One page of every call matching the filter, newest first, and the total. No index serves this
   * on the embedded database (only `_id` lookups do): it scans the collection.
   */
  async listPage(filter: CallListFilter, skip: number, limit: number): Promise<{ calls: CallRecord[]; total: number }> {
    const query: FilterQuery<Call> = {};
    if (filter.status) query.status = filter.status;
    if (filter.callType) query.callType = filter.callType;
    if (filter.callMode) query.callMode = filter.callMode;
    if (filter.hostId) query.hostId = new Types.ObjectId(filter.hostId);
    if (filter.from || filter.to) {
      query.createdAt = { ...(filter.from && { $gte: filter.from }), ...(filter.to && { $lt: filter.to }) };
    }
    const [calls, total] = await Promise.all([
      this.calls.find(query).sort({ createdAt: -1, _id: -1 }).skip(skip).limit(limit).lean<CallRecord[]>().exec(),
      this.calls.countDocuments(query).exec(),
    ]);
    return { calls, total };
  }

  /** Calls not yet ended whose current host is `userId` (their account was suspended or deleted). */
  openCallsHostedBy(userId: Types.ObjectId): Promise<CallRecord[]> {
    return this.calls
      .find({ hostId: userId, status: { $in: ['scheduled', 'active'] } })
      .lean<CallRecord[]>()
      .exec();
  }

  /** How many calls `userId` created (scans on the embedded database). */
  countCreatedBy(userId: Types.ObjectId): Promise<number> {
    return this.calls.countDocuments({ createdBy: userId }).exec();
  }

  /** The summed `duration` (seconds) of the ended calls among `ids`: one `$group` with one `$sum`. */
  async totalDurationOf(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const [row] = await this.calls
      .aggregate<{ seconds: number }>([
        { $match: { _id: { $in: ids }, status: 'ended' } },
        { $group: { _id: null, seconds: { $sum: '$duration' } } },
      ])
      .exec();
    return row?.seconds ?? 0;
  }
}
