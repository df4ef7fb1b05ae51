import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { PARTICIPANT_ROLES, ParticipantRole } from '@app/common';

/** The vocabulary lives in @app/common (declared once); re-exported for this module's readers. */
export { PARTICIPANT_ROLES };
export type { ParticipantRole };

export const PARTICIPANT_STATES = ['joined', 'left', 'kicked'] as const;
export type ParticipantState = (typeof PARTICIPANT_STATES)[number];

/** `_id` of the participant document of (call, user): lookups go by `_id`, the one indexed path on FerretDB. */
export const participantId = (callId: string, userId: string) => `${callId}:${userId}`;

/**
 * One document per (call, user), kept when the user leaves so the Agora uid survives a rejoin.
 * Its own collection: FerretDB v1 cannot update one element of an embedded array in place.
 */
@Schema({ collection: 'call_participants', timestamps: true })
export class CallParticipant {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  callId!: string;

  @Prop({ type: Types.ObjectId, required: true })
  userId!: Types.ObjectId;

  @Prop({ type: String, enum: PARTICIPANT_ROLES, required: true })
  role!: ParticipantRole;

  /** uint32, non-zero, unique within the call, kept on rejoin. */
  @Prop({ required: true })
  agoraUid!: number;

  @Prop({ type: String, enum: PARTICIPANT_STATES, required: true })
  state!: ParticipantState;

  /** Start of the current (or last) presence in the call. */
  @Prop({ type: Date, required: true })
  joinedAt!: Date;

  @Prop({ type: Date, default: null })
  leftAt!: Date | null;

  /**
   * The last sign of life of the participant over REST or a socket action (join, media update,
   * chat message, token request). Housekeeping marks left a joined participant quiet for
   * CALL_IDLE_TIMEOUT who has no socket in the call room. Absent on documents written before it
   * existed: `joinedAt` stands for it then.
   */
  @Prop({ type: Date })
  lastActiveAt?: Date;

  @Prop({ default: true })
  audioEnabled!: boolean;

  @Prop({ default: true })
  videoEnabled!: boolean;

  @Prop({ default: false })
  screenSharing!: boolean;

  createdAt!: Date;
  updatedAt!: Date;
}

export type ParticipantRecord = CallParticipant;
export const CallParticipantSchema = SchemaFactory.createForClass(CallParticipant);
CallParticipantSchema.index({ callId: 1, userId: 1 }, { unique: true, name: 'call_user_unique' });
CallParticipantSchema.index({ callId: 1, agoraUid: 1 }, { unique: true, name: 'call_uid_unique' });
CallParticipantSchema.index({ userId: 1, state: 1 }, { name: 'user_state' });
CallParticipantSchema.index({ callId: 1, state: 1, joinedAt: 1 }, { name: 'call_state_joined' });
