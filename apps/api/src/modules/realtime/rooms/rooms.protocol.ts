import type { SignalType } from './dto/rooms.dto';
import type { MediaState } from './room-membership';

/** The event that carries WebRTC signals, both ways. */
export const SIGNAL_EVENT = 'webrtc-signal';

/** The Socket.IO room of a call: everyone who ran `join-room` with its id. */
export const callRoom = (callId: string): string => `call:${callId}`;

/** A participant as a room shows them: from the server's records, never from a client. */
export interface RoomParticipant extends MediaState {
  userId: string;
  firstName: string;
  lastName: string;
  avatar: string | null;
  role: string;
}

export interface JoinRoomAnswer {
  roomId: string;
  /** Everyone joined to the call, the joiner included, with their media flags. */
  participants: RoomParticipant[];
}

export interface UserJoined {
  userId: string;
  roomId: string;
  userData: Omit<RoomParticipant, 'userId'>;
}

export interface UserLeft {
  userId: string;
  roomId: string;
}

export interface WebrtcSignal {
  from: string;
  signal: unknown;
  type: SignalType;
  /** The call both users are in. */
  roomId: string;
  timestamp: string;
}
