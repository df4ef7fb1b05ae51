import { Injectable } from '@nestjs/common';
import { DomainEvents, EventOrigin, OnDomainEvent } from '../../../core/events';
import { RoomMembership } from './room-membership';

/**
 * Keeps this instance's view of the room members connected to OTHER instances true, from their
 * cluster-wide events, so a signal is authorized from memory wherever its target is connected.
 * Events of this instance are applied where they happen (RoomsGateway).
 */
@Injectable()
export class RoomMembershipSync {
  constructor(private readonly membership: RoomMembership) {}

  @OnDomainEvent('call.room.joined', { scope: 'cluster' })
  onRoomJoined(event: DomainEvents['call.room.joined'], origin: EventOrigin): void {
    if (origin.remote) this.membership.remoteJoin(event.callId, event.userId);
  }

  @OnDomainEvent('call.room.left', { scope: 'cluster' })
  onRoomLeft(event: DomainEvents['call.room.left'], origin: EventOrigin): void {
    if (origin.remote) this.membership.remoteLeave(event.callId, event.userId);
  }

  /** A leave made on another instance: the user is out of the room here too, wherever connected. */
  @OnDomainEvent('call.participant.left', { scope: 'cluster' })
  onParticipantLeftElsewhere(event: DomainEvents['call.participant.left'], origin: EventOrigin): void {
    if (origin.remote) this.membership.removeUser(event.callId, event.userId);
  }

  @OnDomainEvent('call.ended', { scope: 'cluster' })
  onCallEndedElsewhere(event: DomainEvents['call.ended'], origin: EventOrigin): void {
    if (origin.remote) this.membership.dropCall(event.callId);
  }
}
