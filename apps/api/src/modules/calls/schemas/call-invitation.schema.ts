import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { INVITATION_STATUSES, InvitationStatus } from '@app/common';

/** The vocabulary lives in @app/common (declared once); re-exported for this module's readers. */
export { INVITATION_STATUSES };
export type { InvitationStatus };

/** `_id` of the invitation of (call, invitee). */
export const invitationId = (callId: string, userId: string) => `${callId}:${userId}`;

/** One document per (call, invitee). Answered once: the answer is a conditional update on `pending`. */
@Schema({ collection: 'call_invitations', timestamps: true })
export class CallInvitation {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  callId!: string;

  @Prop({ type: Types.ObjectId, required: true })
  inviteeId!: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  invitedBy!: Types.ObjectId;

  @Prop({ type: String, enum: INVITATION_STATUSES, default: 'pending' })
  status!: InvitationStatus;

  @Prop({ type: Date, default: null })
  respondedAt!: Date | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export type InvitationRecord = CallInvitation;
export const CallInvitationSchema = SchemaFactory.createForClass(CallInvitation);
CallInvitationSchema.index({ callId: 1, inviteeId: 1 }, { unique: true, name: 'call_invitee_unique' });
CallInvitationSchema.index({ inviteeId: 1, status: 1 }, { name: 'invitee_status' });
