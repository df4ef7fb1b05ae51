import { Injectable } from '@nestjs/common';

/** A participant's media flags as the room last knew them. */
export interface MediaState {
  isAudioEnabled: boolean;
  isVideoEnabled: boolean;
  isScreenSharing: boolean;
}

/**
 * Which user is in which call room, as the gateway knows it: set when a socket
 * joins a room, cleared on leave-room, disconnect, and the `call.participant.left` / `call.ended`
 * events. It is what authorizes a relayed WebRTC signal without a database read. Entries are keyed
 * by socket as well as user, so the late disconnect of a replaced socket cannot clear its
 * successor's rooms. It also remembers the media flags last seen per participant, so a media
 * update is told as the toggles that changed.
 */
@Injectable()
export class RoomMembership {
  /** callId → userId → socket id in that room. */
  private readonly rooms = new Map<string, Map<string, string>>();
  /** userId → callIds whose room they are in. */
  private readonly byUser = new Map<string, Set<string>>();
  /** socket id → callIds it joined. */
  private readonly bySocket = new Map<string, Set<string>>();
  /** callId → userId → media flags. */
  private readonly media = new Map<string, Map<string, MediaState>>();
  /**
   * callId → users in that room on other instances, as their `call.room.joined` / `call.room.left`
   * events told it: what lets a signal reach a member connected elsewhere without a database read.
   */
  private readonly remote = new Map<string, Set<string>>();

  join(callId: string, userId: string, socketId: string): void {
    let members = this.rooms.get(callId);
    if (!members) this.rooms.set(callId, (members = new Map<string, string>()));
    const previous = members.get(userId);
    if (previous && previous !== socketId) this.bySocket.get(previous)?.delete(callId);
    members.set(userId, socketId);
    let ofUser = this.byUser.get(userId);
    if (!ofUser) this.byUser.set(userId, (ofUser = new Set<string>()));
    ofUser.add(callId);
    let calls = this.bySocket.get(socketId);
    if (!calls) this.bySocket.set(socketId, (calls = new Set<string>()));
    calls.add(callId);
  }

  /** Removes this socket from the room; false when it was not in it. */
  leave(callId: string, userId: string, socketId: string): boolean {
    const members = this.rooms.get(callId);
    if (members?.get(userId) !== socketId) return false;
    this.removeMember(callId, userId);
    return true;
  }

  /** The user left the call, whatever socket (and instance) they were in the room with. */
  removeUser(callId: string, userId: string): void {
    this.removeMember(callId, userId);
    this.remoteLeave(callId, userId);
    this.media.get(callId)?.delete(userId);
  }

  /** Another instance put the user in the room. */
  remoteJoin(callId: string, userId: string): void {
    let members = this.remote.get(callId);
    if (!members) this.remote.set(callId, (members = new Set<string>()));
    members.add(userId);
  }

  /** Another instance took the user out of the room. */
  remoteLeave(callId: string, userId: string): void {
    const members = this.remote.get(callId);
    members?.delete(userId);
    if (members?.size === 0) this.remote.delete(callId);
  }

  /**
   * The socket is gone: the rooms it held, for their `user-left` (not a room a newer socket of the
   * user holds now: the user is still there).
   */
  dropSocket(socketId: string, userId: string): string[] {
    const left = [...(this.bySocket.get(socketId) ?? [])].filter((callId) => this.leave(callId, userId, socketId));
    this.bySocket.delete(socketId);
    return left;
  }

  dropCall(callId: string): void {
    for (const userId of [...(this.rooms.get(callId)?.keys() ?? [])]) this.removeMember(callId, userId);
    this.rooms.delete(callId);
    this.remote.delete(callId);
    this.media.delete(callId);
  }

  /** A call room the user is in on this instance and the other user is in on any, or undefined. */
  sharedCall(userId: string, otherId: string): string | undefined {
    if (userId === otherId) return undefined;
    for (const callId of this.byUser.get(userId) ?? []) {
      if (this.rooms.get(callId)?.has(otherId) || this.remote.get(callId)?.has(otherId)) return callId;
    }
    return undefined;
  }

  isMember(callId: string, userId: string): boolean {
    return this.rooms.get(callId)?.has(userId) ?? false;
  }

  /** Remembers the flags; returns the previous ones (undefined when unknown). */
  swapMedia(callId: string, userId: string, state: MediaState): MediaState | undefined {
    let flags = this.media.get(callId);
    if (!flags) this.media.set(callId, (flags = new Map<string, MediaState>()));
    const previous = flags.get(userId);
    flags.set(userId, state);
    return previous;
  }

  private removeMember(callId: string, userId: string): void {
    const members = this.rooms.get(callId);
    const socketId = members?.get(userId);
    if (!members || socketId === undefined) return;
    members.delete(userId);
    this.bySocket.get(socketId)?.delete(callId);
    const ofUser = this.byUser.get(userId);
    ofUser?.delete(callId);
    if (ofUser?.size === 0) this.byUser.delete(userId);
    if (members.size === 0) this.rooms.delete(callId);
  }
}
