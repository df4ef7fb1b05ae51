import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** `_id` of a participant's absence from a call room. */
export const roomAbsenceId = (callId: string, userId: string) => `${callId}:${userId}`;

/**
 * A participant whose socket dropped out of a call room (a disconnect, not `leave-room`), since
 * when. Kept in the database, not in one process, so a return on any instance clears it and any
 * instance can act on it, even after the one that saw the drop crashed or stopped.
 */
@Schema({ collection: 'room_absences', versionKey: false })
export class RoomAbsence {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  callId!: string;

  @Prop({ type: String, required: true })
  userId!: string;

  @Prop({ type: Date, required: true })
  since!: Date;
}

export type RoomAbsenceRecord = RoomAbsence;
export const RoomAbsenceSchema = SchemaFactory.createForClass(RoomAbsence);
RoomAbsenceSchema.index({ since: 1 }, { name: 'since' });
