import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A user's live socket, one document per connected user (`_id` = user id: the one-connection rule
 * leaves one socket per user, on whichever instance). Kept in the database rather than in one
 * process, so every instance answers "is this user connected?" the same way, and the sessions of an
 * instance that crashed can be found and ended by another (`instanceId`).
 */
@Schema({ collection: 'live_sessions', versionKey: false })
export class LiveSession {
  @Prop({ type: String, required: true })
  _id!: string;

  /** The app process holding the socket (its lease is in `realtime_instances`). */
  @Prop({ type: String, required: true })
  instanceId!: string;

  @Prop({ type: String, required: true })
  socketId!: string;

  @Prop({ type: Date, required: true })
  since!: Date;

  /** The call rooms the socket is in: what a crash of its instance leaves absences in. */
  @Prop({ type: [String], default: [] })
  rooms!: string[];
}

export type LiveSessionRecord = LiveSession;
export const LiveSessionSchema = SchemaFactory.createForClass(LiveSession);
// Read only when an instance's lease ran out (the embedded database scans; MongoDB uses it).
LiveSessionSchema.index({ instanceId: 1 }, { name: 'instanceId' });
