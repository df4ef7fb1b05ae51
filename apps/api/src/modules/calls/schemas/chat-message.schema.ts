import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { MESSAGE_TYPES, MessageType } from '@app/common';

/** The vocabulary lives in @app/common (declared once); re-exported for this module's readers. */
export { MESSAGE_TYPES };
export type { MessageType };

/** A call's chat: one document per message, never an array inside the call. */
@Schema({ collection: 'chat_messages', timestamps: { createdAt: true, updatedAt: false } })
export class ChatMessage {
  @Prop({ type: String, required: true })
  callId!: string;

  @Prop({ type: Types.ObjectId, required: true })
  senderId!: Types.ObjectId;

  @Prop({ required: true, maxlength: 2000 })
  message!: string;

  @Prop({ type: String, enum: MESSAGE_TYPES, required: true })
  messageType!: MessageType;

  createdAt!: Date;
}

export type ChatMessageRecord = ChatMessage & { _id: Types.ObjectId };
export const ChatMessageSchema = SchemaFactory.createForClass(ChatMessage);
/** A call's history, newest first, `_id` breaking ties in one millisecond: MongoDB pages it without sorting. */
ChatMessageSchema.index({ callId: 1, createdAt: -1, _id: -1 }, { name: 'call_created_id' });
