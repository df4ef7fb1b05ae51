import { Injectable } from '@nestjs/common';
import { AppException, ErrorCode } from '@app/common';
import { EventBus } from '../../../core/events';
import { CallAccessService } from '../access/call-access.service';
import { CALL_MESSAGES } from '../calls.messages';
import { ChatMessageView, ParticipantView, toChatMessageView, toParticipantView } from '../calls.mapper';
import { ChatMessageRepository } from '../repositories/chat-message.repository';
import { MediaFlags, ParticipantRepository } from '../repositories/participant.repository';
import { MessageType } from '../schemas/chat-message.schema';
import { CallUsers } from '../views/call-users.service';

export interface ChatPage {
  messages: ChatMessageView[];
  limit: number;
  /** Pass as `before` to load older messages; null when this page was the last. */
  nextBefore: string | null;
}

/** A participant's own media flags, and the call's chat. */
@Injectable()
export class MediaChatService {
  constructor(
    private readonly access: CallAccessService,
    private readonly participants: ParticipantRepository,
    private readonly messages: ChatMessageRepository,
    private readonly users: CallUsers,
    private readonly events: EventBus,
  ) {}

  async media(callId: string, userId: string, flags: MediaFlags): Promise<ParticipantView> {
    const { call } = await this.access.toChangeMedia(callId, userId, flags);
    const changes = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as MediaFlags;
    if (Object.keys(changes).length === 0) {
      const message = 'Give at least one of audioEnabled, videoEnabled, screenSharing';
      throw new AppException(ErrorCode.BAD_REQUEST, message, [{ field: 'audioEnabled', message }]);
    }
    const updated = await this.participants.setMedia(callId, userId, changes, new Date());
    if (!updated) throw new AppException(ErrorCode.FORBIDDEN, CALL_MESSAGES.notJoined);
    this.events.publish('call.media.updated', {
      callId,
      channelName: call.channelName,
      userId,
      agoraUid: updated.agoraUid,
      audioEnabled: updated.audioEnabled,
      videoEnabled: updated.videoEnabled,
      screenSharing: updated.screenSharing,
    });
    return toParticipantView(updated, await this.users.lookup([userId]));
  }

  async sendChat(
    callId: string,
    userId: string,
    message: string,
    messageType: Extract<MessageType, 'text' | 'emoji'>,
  ): Promise<ChatMessageView> {
    const { call } = await this.access.toSendChat(callId, userId);
    const stored = await this.messages.addMessage(call._id, userId, message, messageType);
    await this.participants.markActive(call._id, userId, stored.createdAt);
    this.events.publish('call.chat.message', {
      callId,
      channelName: call.channelName,
      messageId: stored._id.toHexString(),
      senderId: userId,
      message: stored.message,
      messageType: stored.messageType,
      createdAt: stored.createdAt.toISOString(),
    });
    return toChatMessageView(stored, await this.users.lookup([userId]));
  }

  /**
   * Newest first; `before` pages backwards by `createdAt` (strictly older). Messages sent at once
   * share a millisecond, so a page never ends inside such a group, or the next page would skip
   * the rest of it: when the message after a full page shares the page's oldest millisecond, that
   * millisecond's messages go to the next page, and a page that is all one millisecond holds
   * every message of it (more than `limit` then).
   */
  async chat(callId: string, userId: string, limit: number, before?: string): Promise<ChatPage> {
    const { call } = await this.access.toReadChat(callId, userId);
    const rows = await this.messages.messagesOf(call._id, limit + 1, before ? new Date(before) : undefined);
    const more = rows.length > limit;
    let page = rows.slice(0, limit);
    if (more) {
      const oldest = page[page.length - 1].createdAt;
      if (rows[limit].createdAt.getTime() === oldest.getTime()) {
        const newer = page.filter((m) => m.createdAt.getTime() > oldest.getTime());
        page = newer.length > 0 ? newer : await this.messages.messagesAt(call._id, oldest);
      }
    }
    const users = await this.users.lookup(page.map((m) => m.senderId.toHexString()));
    return {
      messages: page.map((m) => toChatMessageView(m, users)),
      limit,
      nextBefore: more ? page[page.length - 1].createdAt.toISOString() : null,
    };
  }
}
