import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { Call, CallRecord } from '../schemas/call.schema';
import { CallParticipant, ParticipantRecord } from '../schemas/call-participant.schema';

/** What rebuilding the admin rollups reads of each call. */
export type CallRollupFacts = Pick<
  CallRecord,
  '_id' | 'callType' | 'callMode' | 'status' | 'startedAt' | 'endedAt' | 'duration' | 'endReason' | 'createdAt'
>;
/** What rebuilding the admin rollups reads of each participant. */
export type ParticipantRollupFacts = Pick<ParticipantRecord, 'callId' | 'userId' | 'state' | 'joinedAt' | 'leftAt'>;

const BATCH = 1000;

/**
 * Reads of calls and participants for admin analytics: whole-collection cursors for the rollup
 * rebuild and the top hosts of a period. All of these scan on the embedded database.
 */
@Injectable()
export class CallAnalyticsRepository {
  constructor(
    @InjectModel(Call.name) private readonly calls: Model<Call>,
    @InjectModel(CallParticipant.name) private readonly participants: Model<CallParticipant>,
  ) {}

  eachCall(): AsyncIterable<CallRollupFacts> {
    const fields = ['callType', 'callMode', 'status', 'startedAt', 'endedAt', 'duration', 'endReason', 'createdAt'];
    return this.calls
      .find({}, Object.fromEntries(fields.map((field) => [field, 1])))
      .lean<CallRollupFacts>()
      .cursor({ batchSize: BATCH });
  }

  eachParticipant(): AsyncIterable<ParticipantRollupFacts> {
    return this.participants
      .find({}, { callId: 1, userId: 1, state: 1, joinedAt: 1, leftAt: 1 })
      .lean<ParticipantRollupFacts>()
      .cursor({ batchSize: BATCH });
  }

  /** Calls by id, any status, in no particular order. */
  callsByIds(ids: string[]): Promise<CallRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.calls
      .find({ _id: { $in: ids } })
      .lean<CallRecord[]>()
      .exec();
  }

  /** The hosts of the most calls started at or after `since`: one `$group` with one `$sum`. */
  async topHosts(since: Date, limit: number): Promise<{ hostId: string; calls: number }[]> {
    const rows = await this.calls
      .aggregate<{ _id: Types.ObjectId; calls: number }>([
        { $match: { startedAt: { $gte: since } } },
        { $group: { _id: '$hostId', calls: { $sum: 1 } } },
        { $sort: { calls: -1, _id: 1 } },
        { $limit: limit },
      ])
      .exec();
    return rows.map((row) => ({ hostId: row._id.toHexString(), calls: row.calls }));
  }
}
