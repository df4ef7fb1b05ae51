import { Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { LOGGER } from '../../../core/core.module';
import { DomainEvents, EventOrigin, OnDomainEvent } from '../../../core/events';
import { UserConnections } from '../../users';
import { LocalInstance } from './local-instance';

/**
 * Keeps the call rooms listed in each live session true, from the room events this instance
 * publishes: what a crash of the instance turns into room absences. A room entered or left on
 * this instance changes only a session this instance holds (a replaced socket's late leave never
 * touches its successor's list elsewhere); leaving the call or its end empties it wherever held.
 */
@Injectable()
export class SessionRooms {
  private readonly log: Logger;

  constructor(
    private readonly connections: UserConnections,
    private readonly instance: LocalInstance,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'SessionRooms' });
  }

  @OnDomainEvent('call.room.joined')
  onRoomJoined({ callId, userId }: DomainEvents['call.room.joined'], _origin: EventOrigin): void {
    this.settle(this.connections.enteredRoom(userId, this.instance.id, callId), callId, userId);
  }

  @OnDomainEvent('call.room.left')
  onRoomLeft({ callId, userId }: DomainEvents['call.room.left'], _origin: EventOrigin): void {
    this.settle(this.connections.leftRoom(userId, callId, this.instance.id), callId, userId);
  }

  @OnDomainEvent('call.participant.left')
  onParticipantLeft({ callId, userId }: DomainEvents['call.participant.left'], _origin: EventOrigin): void {
    this.settle(this.connections.leftRoom(userId, callId), callId, userId);
  }

  @OnDomainEvent('call.ended')
  onCallEnded({ callId }: DomainEvents['call.ended'], _origin: EventOrigin): void {
    this.settle(this.connections.roomClosed(callId), callId);
  }

  /** A stale entry costs at most an absence that the grace sweep drops (the call is left or over). */
  private settle(work: Promise<void>, callId: string, userId?: string): void {
    work.catch((error: Error) => this.log.warn({ callId, userId, error: error.message }, 'session rooms not updated'));
  }
}
