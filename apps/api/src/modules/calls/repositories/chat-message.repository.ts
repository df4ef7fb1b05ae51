import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { FilterQuery, Model, Types } from 'mongoose';
import { ChatMessage, ChatMessageRecord, MessageType } from '../schemas/chat-message.schema';

/** The `chat_messages` collection: one document per message, paged by `createdAt`. */
@Injectable()
export class ChatMessageRepository {
  constructor(@InjectModel(ChatMessage.name) private readonly messages: Model<ChatMessage>) {}

  async addMessage(
    callId: string,
    senderId: string,
    message: string,
    messageType: MessageType,
  ): Promise<ChatMessageRecord> {
    const created = await this.messages.create({
      callId,
      senderId: new Types.ObjectId(senderId),
      message,
      messageType,
    });
    return created.toObject();
  }

  /** Newest first, strictly before `before` when given. */
  messagesOf(callId: string, limit: number, before?: Date): Promise<ChatMessageRecord[]> {
    const filter: FilterQuery<ChatMessage> = before ? { callId, createdAt: { $lt: before } } : { callId };
    return this.messages.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<ChatMessageRecord[]>().exec();
  }

  /** Every message of the call stored in the same millisecond `at`, newest first. */
  messagesAt(callId: string, at: Date): Promise<ChatMessageRecord[]> {
    return this.messages
      .find({ callId, createdAt: at })
      .sort({ createdAt: -1, _id: -1 })
      .lean<ChatMessageRecord[]>()
      .exec();
  }

  /** How many messages the call has (a scan of the call's messages on the embedded database). */
  countOf(callId: string): Promise<number> {
    return this.messages.countDocuments({ callId }).exec();
  }
}
