import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import {
  CALL_MODES,
  CALL_STATUSES,
  CALL_TYPES,
  CallMode,
  CallStatus,
  CallType,
  END_REASONS,
  EndReason,
} from '@app/common';

/** The vocabulary lives in @app/common (declared once); re-exported for this module's readers. */
export { CALL_TYPES, CALL_MODES, CALL_STATUSES, END_REASONS };
export type { CallType, CallMode, CallStatus, EndReason };

@Schema({ _id: false })
export class CallSettings {
  @Prop({ default: true })
  allowChat!: boolean;

  @Prop({ default: true })
  allowScreenShare!: boolean;

  @Prop({ default: false })
  allowRecording!: boolean;

  @Prop({ default: false })
  muteOnJoin!: boolean;

  @Prop({ default: false })
  requirePassword!: boolean;

  /**
   * bcrypt hash of the call password, or null. Not `select: false`: calls are updated with
   * findOneAndUpdate and FerretDB v1 has no findAndModify projections. The mapper never maps it.
   */
  @Prop({ type: String, default: null })
  passwordHash!: string | null;
}

/**
 * A call. Counters change only by atomic `$inc` with the rule in the filter (docs/architecture.md, "Mail, contacts, calls"):
 * `joinedCount` (participants joined now, the host included), `nextAgoraUid` and `inviteeCount`.
 */
@Schema({ collection: 'calls', timestamps: true, minimize: false })
export class Call {
  /** `newCallId()` in call-rules.ts: random, unguessable, the only name of a call in the API. */
  @Prop({ type: String, required: true })
  _id!: string;

  /** Unique, unguessable Agora channel name (`newChannelName` in call-rules.ts). */
  @Prop({ required: true })
  channelName!: string;

  @Prop({ required: true, trim: true, maxlength: 100 })
  title!: string;

  @Prop({ default: '', maxlength: 1000 })
  description!: string;

  @Prop({ type: String, enum: CALL_TYPES, required: true })
  callType!: CallType;

  @Prop({ type: String, enum: CALL_MODES, required: true })
  callMode!: CallMode;

  /** Who created the call; never changes. */
  @Prop({ type: Types.ObjectId, required: true })
  createdBy!: Types.ObjectId;

  /** The current host; passes to the earliest-joined participant when the host leaves. */
  @Prop({ type: Types.ObjectId, required: true })
  hostId!: Types.ObjectId;

  @Prop({ type: String, enum: CALL_STATUSES, required: true })
  status!: CallStatus;

  @Prop({ required: true, min: 2, max: 100 })
  maxParticipants!: number;

  @Prop({ type: Date, default: null })
  scheduledFor!: Date | null;

  @Prop({ type: Date, default: null })
  startedAt!: Date | null;

  @Prop({ type: Date, default: null })
  endedAt!: Date | null;

  /** Seconds from startedAt to endedAt (0 for a call that never started). */
  @Prop({ type: Number, default: null })
  duration!: number | null;

  @Prop({ type: String, enum: [...END_REASONS, null], default: null })
  endReason!: EndReason | null;

  @Prop({ type: CallSettings, required: true })
  settings!: CallSettings;

  @Prop({ default: 0 })
  joinedCount!: number;

  /**
   * Invitations made to the call. A one-to-one call claims its single invitation with a
   * conditional `$inc` (`{ inviteeCount: { $lt: 1 } }`) before inserting it, so racing invites
   * cannot give it two invitees.
   */
  @Prop({ default: 0 })
  inviteeCount!: number;

  /** The next Agora uid to hand out; uids start at 1 (0 means "let Agora choose"). */
  @Prop({ default: 1 })
  nextAgoraUid!: number;

  /** Last join or leave: housekeeping ends active calls that stayed empty since then. */
  @Prop({ type: Date, required: true })
  lastActivityAt!: Date;

  createdAt!: Date;
  updatedAt!: Date;
}

export type CallRecord = Call;
export const CallSchema = SchemaFactory.createForClass(Call);
CallSchema.index({ channelName: 1 }, { unique: true, name: 'channel_unique' });
CallSchema.index({ hostId: 1, status: 1 }, { name: 'host_status' });
/** A user's call history, newest first; `_id` is the order's tie-break, so MongoDB sorts nothing in memory. */
CallSchema.index({ createdBy: 1, status: 1, endedAt: -1, _id: -1 }, { name: 'creator_status_ended_id' });
CallSchema.index({ status: 1, lastActivityAt: 1 }, { name: 'status_activity' });
/** The staff listing of every call, newest first, `_id` breaking ties (MongoDB; the embedded database scans). */
CallSchema.index({ createdAt: -1, _id: -1 }, { name: 'created_id' });
