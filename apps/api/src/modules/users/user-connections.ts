import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { LiveSession, LiveSessionRecord } from './schemas/live-session.schema';

/** What a socket that just opened is registered with. */
export interface OpenedSession {
  userId: string;
  instanceId: string;
  socketId: string;
  rooms: string[];
}

/**
 * Whether a user has a live socket, on any instance: the `live_sessions` documents the realtime
 * gateway writes (it depends on users, never the other way, so it writes here and users and
 * contacts read here). What other users see of someone's status is derived from it
 * (`visibleStatus`). Every hot read and write is by `_id` (the user id), the one lookup the
 * embedded database indexes; only the sweep after an instance's crash reads by instance.
 */
@Injectable()
export class UserConnections {
  constructor(@InjectModel(LiveSession.name) private readonly sessions: Model<LiveSession>) {}

  async isConnected(userId: string): Promise<boolean> {
    return (await this.sessions.exists({ _id: userId }).exec()) !== null;
  }

  /** Which of `userIds` are connected, in one query. */
  async connectedAmong(userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const found = await this.sessions
      .find({ _id: { $in: userIds } }, { _id: 1 })
      .lean<{ _id: string }[]>()
      .exec();
    return new Set(found.map((s) => s._id));
  }

  /**
   * The socket now holds the user's session (a newer socket replaces an older one, anywhere);
   * returns the session it replaced, if any: with none the user has just become visible.
   */
  open(session: OpenedSession): Promise<LiveSessionRecord | null> {
    const { userId, ...fields } = session;
    return this.sessions
      .findOneAndUpdate(
        { _id: userId },
        { $set: { ...fields, since: new Date() } },
        { upsert: true, returnDocument: 'before' },
      )
      .lean<LiveSessionRecord>()
      .exec();
  }

  /**
   * The socket closed: ends the session only if this socket still holds it, so the late
   * disconnect of a replaced socket leaves the newer one alone. `true` when the user went offline.
   */
  async close(userId: string, socketId: string): Promise<boolean> {
    const result = await this.sessions.deleteOne({ _id: userId, socketId }).exec();
    return result.deletedCount === 1;
  }

  /** The user's socket on `instanceId` entered a call room (a socket elsewhere holds its own list). */
  async enteredRoom(userId: string, instanceId: string, callId: string): Promise<void> {
    await this.sessions.updateOne({ _id: userId, instanceId }, { $addToSet: { rooms: callId } }).exec();
  }

  /** Out of a call room: the socket on `instanceId` left it, or (without one) the user left the call. */
  async leftRoom(userId: string, callId: string, instanceId?: string): Promise<void> {
    const filter = instanceId ? { _id: userId, instanceId } : { _id: userId };
    await this.sessions.updateOne(filter, { $pull: { rooms: callId } }).exec();
  }

  /** The call ended: out of its room for everyone (rare, so a scan on the embedded database is fine). */
  async roomClosed(callId: string): Promise<void> {
    await this.sessions.updateMany({ rooms: callId }, { $pull: { rooms: callId } }).exec();
  }

  /** The sessions an instance held (after its lease ran out). */
  ofInstance(instanceId: string): Promise<LiveSessionRecord[]> {
    return this.sessions.find({ instanceId }).lean<LiveSessionRecord[]>().exec();
  }

  /** Ends the session if that instance still holds it (the user may have reconnected elsewhere). */
  takeFrom(userId: string, instanceId: string): Promise<LiveSessionRecord | null> {
    return this.sessions.findOneAndDelete({ _id: userId, instanceId }).lean<LiveSessionRecord>().exec();
  }

  /** How many sessions an instance still holds (at its shutdown). */
  countOf(instanceId: string): Promise<number> {
    return this.sessions.countDocuments({ instanceId }).exec();
  }

  /** How many users have a live socket now, on any instance (admin dashboard: one count). */
  countAll(): Promise<number> {
    return this.sessions.estimatedDocumentCount().exec();
  }
}
