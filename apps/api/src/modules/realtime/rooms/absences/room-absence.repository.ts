import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { RoomAbsence, RoomAbsenceRecord, roomAbsenceId } from './room-absence.schema';

/** The only code that touches `room_absences`; every write is by `_id`. */
@Injectable()
export class RoomAbsenceRepository {
  constructor(@InjectModel(RoomAbsence.name) private readonly absences: Model<RoomAbsence>) {}

  /** The participant dropped out at `since`; an earlier absence still running keeps its start. */
  async record(callId: string, userId: string, since: Date): Promise<void> {
    await this.absences
      .updateOne({ _id: roomAbsenceId(callId, userId) }, { $setOnInsert: { callId, userId, since } }, { upsert: true })
      .exec();
  }

  /** The participant is back in the room (any instance). */
  async clear(callId: string, userId: string): Promise<void> {
    await this.absences.deleteOne({ _id: roomAbsenceId(callId, userId) }).exec();
  }

  /** Whether the participant's socket dropped out of the room and the reconnect grace is still running. */
  async isAbsent(callId: string, userId: string): Promise<boolean> {
    return (await this.absences.exists({ _id: roomAbsenceId(callId, userId) }).exec()) !== null;
  }

  /** Absences that started before `cutoff`, oldest first, at most `limit`. */
  overdue(cutoff: Date, limit: number): Promise<RoomAbsenceRecord[]> {
    return this.absences
      .find({ since: { $lt: cutoff } })
      .sort({ since: 1 })
      .limit(limit)
      .lean<RoomAbsenceRecord[]>()
      .exec();
  }

  /**
   * Takes the absence if it is still the overdue one that was read: true for exactly one caller,
   * so of several instances sweeping at once only one acts on it (a return in between wins too).
   */
  async claim(absence: RoomAbsenceRecord): Promise<boolean> {
    const result = await this.absences.deleteOne({ _id: absence._id, since: absence.since }).exec();
    return result.deletedCount === 1;
  }
}
