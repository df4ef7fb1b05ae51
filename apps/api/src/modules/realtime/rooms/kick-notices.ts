import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Server } from 'socket.io';
import { DomainEvents, EventOrigin, OnDomainEvent } from '../../../core/events';
import { userRoom } from '../realtime.protocol';

/** `participant-kicked`: what the removed user's sockets receive. `by` is the moderator or admin. */
export interface ParticipantKicked {
  callId: string;
  roomId: string;
  by: string;
  timestamp: string;
}

/**
 * Tells a user removed from a call by staff, on every socket of theirs. Local scope: the instance
 * that made the removal emits to `user:<id>`, which the Redis adapter carries to every instance.
 * The room itself hears `user-left` from the `call.participant.left` that a removal of someone
 * joined also publishes (RoomsGateway), which also takes their sockets out of the room.
 */
@WebSocketGateway()
export class KickNotices {
  @WebSocketServer() private readonly server!: Server;

  @OnDomainEvent('call.participant.kicked')
  onKicked(event: DomainEvents['call.participant.kicked'], _origin: EventOrigin): void {
    const payload: ParticipantKicked = {
      callId: event.callId,
      roomId: event.callId,
      by: event.by,
      timestamp: event.at,
    };
    this.server.to(userRoom(event.userId)).emit('participant-kicked', payload);
  }
}
