import { Inject, UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { AuthUser, CurrentUser } from '@app/common';
import { Logger } from 'pino';
import { Server } from 'socket.io';
import { LOGGER } from '../../../core/core.module';
import { DomainEvents, EventBus, EventOrigin, OnDomainEvent } from '../../../core/events';
import { CallAccessService, CallQueriesService, ChatMessageView, MediaChatService, ParticipantView } from '../../calls';
import { UsersService } from '../../users';
import { AckSuccess, AppSocket, userRoom } from '../realtime.protocol';
import { RealtimeExceptionFilter } from '../realtime-errors';
import {
  JoinRoomDto,
  LeaveRoomDto,
  SendMessageDto,
  ToggleAudioDto,
  ToggleScreenShareDto,
  ToggleVideoDto,
} from './dto/rooms.dto';
import { RoomAbsenceRepository } from './absences/room-absence.repository';
import { RoomAbsenceSweep } from './absences/room-absence-sweep';
import { MediaState, RoomMembership } from './room-membership';
import { JoinRoomAnswer, RoomParticipant, SIGNAL_EVENT, UserJoined, UserLeft, callRoom } from './rooms.protocol';
import { SignalRelay } from './signal-relay';

const mediaOf = (p: ParticipantView): MediaState => ({
  isAudioEnabled: p.audioEnabled,
  isVideoEnabled: p.videoEnabled,
  isScreenSharing: p.screenSharing,
});

/**
 * Call rooms: joining and leaving them, media toggles, chat and WebRTC signalling. Client actions
 * go through the same calls services as REST; what the room hears comes from the domain events
 * those services publish (local scope: the instance that made the change tells the room), so a
 * REST action and its socket twin produce the same events. Signals (SignalRelay) are authorized
 * from RoomMembership alone, without a database read; every change of membership is published as
 * `call.room.joined` / `call.room.left`, so each instance also knows the members on the others.
 */
@WebSocketGateway()
@UseFilters(RealtimeExceptionFilter)
export class RoomsGateway
  implements OnGatewayInit<Server>, OnGatewayConnection<AppSocket>, OnGatewayDisconnect<AppSocket>
{
  @WebSocketServer()
  private readonly server!: Server;
  private readonly log: Logger;

  constructor(
    private readonly access: CallAccessService,
    private readonly queries: CallQueriesService,
    private readonly mediaChat: MediaChatService,
    private readonly users: UsersService,
    private readonly membership: RoomMembership,
    private readonly events: EventBus,
    private readonly absences: RoomAbsenceRepository,
    private readonly sweep: RoomAbsenceSweep,
    private readonly signals: SignalRelay,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'RoomsGateway' });
  }

  /** The grace's last check before marking someone left: a socket of theirs in the room, on any instance. */
  afterInit(server: Server): void {
    this.signals.attachServer(server);
    this.sweep.usePresenceCheck(async (callId, userId) => {
      const sockets = await server.in(callRoom(callId)).fetchSockets();
      return sockets.some((socket) => (socket.data as AppSocket['data']).user?.id === userId);
    });
  }

  /**
   * A resumed socket got its rooms back from Socket.IO, but its disconnect had taken it out of the
   * membership and told the rooms `user-left`: each restored call room is checked again (the user
   * may have left the call meanwhile) and, if still joined, re-registered with `user-joined`.
   */
  handleConnection(socket: AppSocket): void {
    socket.on(SIGNAL_EVENT, this.signals.listener);
    const userId = socket.data.user?.id;
    if (!socket.recovered || !userId) return;
    const rooms = [...socket.rooms].filter((room) => room.startsWith(callRoom('')));
    for (const room of rooms) {
      const callId = room.slice(callRoom('').length);
      this.rejoin(socket, callId, userId).catch((error: Error) => {
        // No longer joined (or the call ended): out of the room, as join-room would have refused it.
        this.log.info({ callId, userId, reason: error.message }, 'resumed socket not back in its call room');
        void socket.leave(room);
      });
    }
  }

  /**
   * A disconnect leaves every room the socket was in; the call itself is left by REST, or after
   * CALL_RECONNECT_GRACE by the absence sweep unless the user is back in the room by then.
   */
  handleDisconnect(socket: AppSocket): void {
    const userId = socket.data.user?.id;
    if (!userId) return;
    const since = new Date();
    for (const callId of this.membership.dropSocket(socket.id, userId)) {
      this.events.publish('call.room.left', { callId, userId });
      this.tellLeft(callId, userId);
      this.absences.record(callId, userId, since).catch((error: Error) => {
        // Without the record the participant stays joined until they leave or the call ends.
        this.log.warn({ callId, userId, error: error.message }, 'room absence not recorded');
      });
    }
  }

  @SubscribeMessage('join-room')
  async joinRoom(
    @MessageBody() body: JoinRoomDto,
    @CurrentUser() user: AuthUser,
    @ConnectedSocket() socket: AppSocket,
  ): Promise<AckSuccess<JoinRoomAnswer>> {
    const { call } = await this.access.asJoined(body.roomId, user.id);
    const participants = await this.roomParticipants(call._id, user.id);
    const alreadyIn = this.membership.isMember(call._id, user.id);
    await this.absences.clear(call._id, user.id);
    await socket.join(callRoom(call._id));
    this.membership.join(call._id, user.id, socket.id);
    if (!alreadyIn) {
      this.events.publish('call.room.joined', { callId: call._id, userId: user.id });
      this.tellJoined(call._id, user.id, participants);
    }
    return { success: true, data: { roomId: call._id, participants } };
  }

  @SubscribeMessage('leave-room')
  async leaveRoom(
    @MessageBody() body: LeaveRoomDto,
    @CurrentUser() user: AuthUser,
    @ConnectedSocket() socket: AppSocket,
  ): Promise<AckSuccess<{ roomId: string; left: boolean }>> {
    await socket.leave(callRoom(body.roomId));
    const left = this.membership.leave(body.roomId, user.id, socket.id);
    if (left) {
      this.events.publish('call.room.left', { callId: body.roomId, userId: user.id });
      this.tellLeft(body.roomId, user.id);
    }
    return { success: true, data: { roomId: body.roomId, left } };
  }

  @SubscribeMessage('toggle-audio')
  async toggleAudio(@MessageBody() body: ToggleAudioDto, @CurrentUser() user: AuthUser) {
    return this.media(body.roomId, user.id, { audioEnabled: body.isAudioEnabled });
  }

  @SubscribeMessage('toggle-video')
  async toggleVideo(@MessageBody() body: ToggleVideoDto, @CurrentUser() user: AuthUser) {
    return this.media(body.roomId, user.id, { videoEnabled: body.isVideoEnabled });
  }

  @SubscribeMessage('toggle-screen-share')
  async toggleScreenShare(@MessageBody() body: ToggleScreenShareDto, @CurrentUser() user: AuthUser) {
    return this.media(body.roomId, user.id, { screenSharing: body.isScreenSharing });
  }

  @SubscribeMessage('send-message')
  async sendMessage(
    @MessageBody() body: SendMessageDto,
    @CurrentUser() user: AuthUser,
  ): Promise<AckSuccess<{ message: ChatMessageView }>> {
    const message = await this.mediaChat.sendChat(body.roomId, user.id, body.message, body.messageType);
    return { success: true, data: { message } };
  }

  @OnDomainEvent('call.media.updated')
  onMediaUpdated(event: DomainEvents['call.media.updated'], _origin: EventOrigin): void {
    const { callId, userId } = event;
    const now: MediaState = {
      isAudioEnabled: event.audioEnabled,
      isVideoEnabled: event.videoEnabled,
      isScreenSharing: event.screenSharing,
    };
    // The event carries all three flags: the room is told the ones that changed (all when unknown).
    const before = this.membership.swapMedia(callId, userId, now);
    const others = this.server.to(callRoom(callId)).except(userRoom(userId));
    const base = { userId, roomId: callId, timestamp: new Date().toISOString() };
    if (before?.isAudioEnabled !== now.isAudioEnabled) {
      others.emit('user-audio-toggled', { ...base, isAudioEnabled: now.isAudioEnabled });
    }
    if (before?.isVideoEnabled !== now.isVideoEnabled) {
      others.emit('user-video-toggled', { ...base, isVideoEnabled: now.isVideoEnabled });
    }
    if (before?.isScreenSharing !== now.isScreenSharing) {
      others.emit('user-screen-share-toggled', { ...base, isScreenSharing: now.isScreenSharing });
    }
  }

  @OnDomainEvent('call.chat.message')
  onChatMessage(event: DomainEvents['call.chat.message'], _origin: EventOrigin): void {
    this.server.to(callRoom(event.callId)).emit('new-message', {
      id: event.messageId,
      roomId: event.callId,
      userId: event.senderId,
      message: event.message,
      messageType: event.messageType,
      timestamp: event.createdAt,
    });
  }

  /** Joined the call over REST: the room hears it as from join-room (the client may then send both). */
  @OnDomainEvent('call.participant.joined')
  onParticipantJoined(event: DomainEvents['call.participant.joined'], _origin: EventOrigin): void {
    this.clearAbsence(event.callId, event.userId);
    this.roomParticipants(event.callId, event.userId).then(
      (participants) => this.tellJoined(event.callId, event.userId, participants),
      (error: Error) => this.log.warn({ callId: event.callId, error: error.message }, 'user-joined not sent'),
    );
  }

  /** Left the call (REST, or the calls rules): out of its room too. */
  @OnDomainEvent('call.participant.left')
  onParticipantLeft(event: DomainEvents['call.participant.left'], _origin: EventOrigin): void {
    this.membership.removeUser(event.callId, event.userId);
    this.server.in(userRoom(event.userId)).socketsLeave(callRoom(event.callId));
    this.tellLeft(event.callId, event.userId);
    this.clearAbsence(event.callId, event.userId);
  }

  @OnDomainEvent('call.host.changed')
  onHostChanged(event: DomainEvents['call.host.changed'], _origin: EventOrigin): void {
    this.server.to(callRoom(event.callId)).emit('host-changed', {
      callId: event.callId,
      roomId: event.callId,
      newHostId: event.newHostId,
      previousHostId: event.previousHostId,
      timestamp: new Date().toISOString(),
    });
  }

  /** To the room and to whoever was still invited; then the room is closed. */
  @OnDomainEvent('call.ended')
  onCallEnded(event: DomainEvents['call.ended'], _origin: EventOrigin): void {
    const room = callRoom(event.callId);
    const timestamp = new Date().toISOString();
    const payload = { callId: event.callId, roomId: event.callId, reason: event.reason, timestamp };
    this.server.to(room).emit('call-ended', payload);
    this.server.in(room).socketsLeave(room);
    this.membership.dropCall(event.callId);
    this.queries.missedInviteeIds(event.callId).then(
      (invitees) => {
        if (invitees.length > 0) this.server.to(invitees.map(userRoom)).emit('call-ended', payload);
      },
      (error: Error) => {
        // The room was told; an invitee who misses it sees the call ended when they open it.
        this.log.warn({ callId: event.callId, error: error.message }, 'call-ended not sent to invitees');
      },
    );
  }

  /** A join or leave of the call itself ends any absence from its room (a new drop starts a new one). */
  private clearAbsence(callId: string, userId: string): void {
    this.absences.clear(callId, userId).catch((error: Error) => {
      // Left stale, it is swept later: a refused leave, or a rejoiner over REST marked left.
      this.log.warn({ callId, userId, error: error.message }, 'room absence not cleared');
    });
  }

  private async rejoin(socket: AppSocket, callId: string, userId: string): Promise<void> {
    const { call } = await this.access.asJoined(callId, userId);
    const participants = await this.roomParticipants(call._id, userId);
    if (!socket.connected) return;
    await this.absences.clear(call._id, userId);
    const alreadyIn = this.membership.isMember(call._id, userId);
    this.membership.join(call._id, userId, socket.id);
    if (alreadyIn) return;
    this.events.publish('call.room.joined', { callId: call._id, userId });
    this.tellJoined(call._id, userId, participants);
  }

  private async media(
    callId: string,
    userId: string,
    flags: { audioEnabled?: boolean; videoEnabled?: boolean; screenSharing?: boolean },
  ) {
    const participant = await this.mediaChat.media(callId, userId, flags);
    return { success: true as const, data: { roomId: callId, participant } };
  }

  /** Everyone joined to the call, with names and avatars from the users module and their media flags. */
  private async roomParticipants(callId: string, viewerId: string): Promise<RoomParticipant[]> {
    const view = await this.queries.details(callId, viewerId);
    const joined = (view.participants ?? []).filter((p) => p.state === 'joined');
    const records = await this.users.findByIds(joined.map((p) => p.user.id));
    const avatars = new Map(records.map((u) => [u._id.toHexString(), u.avatar ?? null]));
    for (const p of joined) this.membership.swapMedia(callId, p.user.id, mediaOf(p));
    return joined.map((p) => ({
      userId: p.user.id,
      firstName: p.user.firstName,
      lastName: p.user.lastName,
      avatar: avatars.get(p.user.id) ?? null,
      role: p.role,
      ...mediaOf(p),
    }));
  }

  private tellJoined(callId: string, joinerId: string, participants: RoomParticipant[]): void {
    const me = participants.find((p) => p.userId === joinerId);
    if (!me) return;
    const { userId, ...userData } = me;
    const payload: UserJoined = { userId, roomId: callId, userData };
    this.server.to(callRoom(callId)).except(userRoom(joinerId)).emit('user-joined', payload);
  }

  private tellLeft(callId: string, userId: string): void {
    const payload: UserLeft = { userId, roomId: callId };
    this.server.to(callRoom(callId)).emit('user-left', payload);
  }
}
