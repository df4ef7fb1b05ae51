import { IsIn, IsMongoId, IsObject } from 'class-validator';

/**
 * `callData` is the client's copy of the call (the specification's clients send back the
 * `callData` they received); only its `callId` is read, everything else is ignored, and what the
 * other side receives is the server's view of the call.
 */
class AboutCallDto {
  @IsMongoId({ message: 'targetUserId must be a user id (24 hexadecimal characters)' })
  targetUserId!: string;

  @IsObject()
  callData!: Record<string, unknown>;
}

export class SendCallInvitationDto extends AboutCallDto {}

export class CallResponseDto extends AboutCallDto {
  @IsIn(['accepted', 'declined'])
  response!: 'accepted' | 'declined';
}
