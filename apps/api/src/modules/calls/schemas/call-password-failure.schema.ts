import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** `_id` of the failure count of (call, user). */
export const passwordFailureId = (callId: string, userId: string) => `${callId}:${userId}`;

/**
 * Wrong passwords one user gave for one call in the current window. Looked up and changed by
 * `_id` only (the one indexed path on the embedded database); a document whose window has passed
 * counts as nothing and is removed by housekeeping.
 */
@Schema({ collection: 'call_password_failures', versionKey: false })
export class CallPasswordFailure {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  failures!: number;

  @Prop({ type: Date, required: true })
  windowEndsAt!: Date;
}

export type PasswordFailureRecord = CallPasswordFailure;
export const CallPasswordFailureSchema = SchemaFactory.createForClass(CallPasswordFailure);
CallPasswordFailureSchema.index({ windowEndsAt: 1 }, { name: 'window_ends' });
