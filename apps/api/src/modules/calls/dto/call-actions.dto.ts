import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsMongoId,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateBy,
} from 'class-validator';
import { IsIsoDateTime, LimitQuery, MAX_EMOJI, PageQuery, isEmojiOnly, trim } from '@app/common';
import { lowerCaseEach } from './transforms';

export class JoinCallDto {
  @ApiPropertyOptional({ example: 'secret-42', description: 'Needed by uninvited users when the call requires one' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  password?: string;
}

export class InviteDto {
  @ApiProperty({ example: ['665f1c2ab3e4d5f6a7b8c9d1', '665f1c2ab3e4d5f6a7b8c9d2'] })
  @Transform(lowerCaseEach)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(99)
  @ArrayUnique({ message: 'userIds must not contain duplicates' })
  @IsMongoId({ each: true, message: 'userIds must contain user ids (24 hexadecimal characters)' })
  userIds!: string[];
}

export const RESPONSES = ['accepted', 'declined'] as const;
export type InvitationResponse = (typeof RESPONSES)[number];

export class RespondDto {
  @ApiProperty({ enum: RESPONSES, example: 'accepted' })
  @IsIn(RESPONSES)
  response!: InvitationResponse;
}

export class MediaDto {
  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  audioEnabled?: boolean;

  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  videoEnabled?: boolean;

  @ApiPropertyOptional({ example: false, description: '403 when the call does not allow screen sharing' })
  @IsOptional()
  @IsBoolean()
  screenSharing?: boolean;
}

/** `system` messages come only from the server. */
export const CLIENT_MESSAGE_TYPES = ['text', 'emoji'] as const;

export class SendChatDto {
  @ApiProperty({
    example: 'Hello everyone!',
    minLength: 1,
    maxLength: 2000,
    description: `With messageType \`emoji\`: only emoji (1–${MAX_EMOJI}, spaces between them allowed).`,
  })
  @Transform(trim)
  @IsString()
  @Length(1, 2000)
  @ValidateBy({
    name: 'emojiOnlyForEmojiType',
    validator: {
      validate: (value: unknown, args) => (args?.object as SendChatDto).messageType !== 'emoji' || isEmojiOnly(value),
      defaultMessage: () => `an emoji message must hold only emoji (1 to ${MAX_EMOJI})`,
    },
  })
  message!: string;

  @ApiPropertyOptional({ enum: CLIENT_MESSAGE_TYPES, example: 'text', default: 'text' })
  @IsOptional()
  @IsIn(CLIENT_MESSAGE_TYPES)
  messageType: (typeof CLIENT_MESSAGE_TYPES)[number] = 'text';
}

export const CHAT_DEFAULT_LIMIT = 50;
export const HISTORY_DEFAULT_LIMIT = 20;

export class ChatQuery extends LimitQuery(CHAT_DEFAULT_LIMIT, 100) {
  @ApiPropertyOptional({
    example: '2026-01-01T10:05:00.000Z',
    format: 'date-time',
    description: 'Only messages older than this (the `createdAt` of the oldest message you have)',
  })
  @IsOptional()
  @IsIsoDateTime()
  before?: string;
}

export class HistoryQuery extends PageQuery(HISTORY_DEFAULT_LIMIT, 100) {}
