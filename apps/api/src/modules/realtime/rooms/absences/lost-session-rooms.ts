import { Inject } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Logger } from 'pino';
import { Server } from 'socket.io';
import { LOGGER } from '../../../../core/core.module';
import { EventBus } from '../../../../core/events';
import { LostSession, SessionLoss } from '../../cluster/session-loss';
import { UserLeft, callRoom } from '../rooms.protocol';
import { RoomAbsenceRepository } from './room-absence.repository';

/**
 * The call rooms of a session lost with its instance, handled as that instance's disconnect
 * handler would have: the room hears `user-left`, the other instances drop the member
 * (`call.room.left`), and an absence starts the reconnect grace from when the socket was last
 * known alive, so the participant is marked left unless back in the room (any instance) in time.
 */
@WebSocketGateway()
export class LostSessionRooms {
  @WebSocketServer() private readonly server!: Server;
  private readonly log: Logger;

  constructor(
    private readonly absences: RoomAbsenceRepository,
    private readonly events: EventBus,
    loss: SessionLoss,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'LostSessionRooms' });
    loss.listen((lost) => this.roomsLost(lost));
  }

  private async roomsLost({ session, since }: LostSession): Promise<void> {
    const userId = session._id;
    for (const callId of session.rooms ?? []) {
      await this.absences.record(callId, userId, since);
      this.events.publish('call.room.left', { callId, userId });
      const payload: UserLeft = { userId, roomId: callId };
      this.server.to(callRoom(callId)).emit('user-left', payload);
    }
    if (session.rooms?.length) this.log.info({ userId, rooms: session.rooms.length }, 'call rooms of a lost session');
  }
}
