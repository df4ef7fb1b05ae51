import { IsBoolean, IsDefined, IsIn, IsMongoId, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { SendChatDto } from '../../../calls';

/** A call id as the REST routes take it; the calls service answers 404 for an unknown one. */
class RoomDto {
  @IsString()
  @MaxLength(64)
  roomId!: string;
}

export class JoinRoomDto extends RoomDto {
  /**
   * The specification's clients send their own user data; it is accepted and ignored: what the
   * room sees comes from the server's records.
   */
  @IsOptional()
  @IsObject()
  userData?: Record<string, unknown>;
}

export class LeaveRoomDto extends RoomDto {}

export class ToggleAudioDto extends RoomDto {
  @IsBoolean()
  isAudioEnabled!: boolean;
}

export class ToggleVideoDto extends RoomDto {
  @IsBoolean()
  isVideoEnabled!: boolean;
}

export class ToggleScreenShareDto extends RoomDto {
  @IsBoolean()
  isScreenSharing!: boolean;
}

/** `send-message`: the REST chat body's rules (`message`, `messageType`) and the room. */
export class SendMessageDto extends SendChatDto {
  @IsString()
  @MaxLength(64)
  roomId!: string;
}

export const SIGNAL_TYPES = ['offer', 'answer', 'ice-candidate'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** Largest serialized `signal` relayed (an SDP offer with many candidates stays far below it). */
export const MAX_SIGNAL_BYTES = 64 * 1024;

export class WebrtcSignalDto {
  @IsMongoId({ message: 'targetUserId must be a user id (24 hexadecimal characters)' })
  targetUserId!: string;

  /** An SDP description or an ICE candidate: relayed as it is, only its size is checked. */
  @IsDefined()
  signal!: unknown;

  @IsIn(SIGNAL_TYPES)
  type!: SignalType;
}
