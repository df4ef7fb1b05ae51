import { IsIsoDateTime, trim } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsByteLength,
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsMongoId,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CALL_MODES, CALL_TYPES, CallMode, CallType } from '../schemas/call.schema';
import { lowerCaseEach } from './transforms';

export class CallSettingsDto {
  @ApiPropertyOptional({ example: true, default: true })
  @IsOptional()
  @IsBoolean()
  allowChat?: boolean;

  @ApiPropertyOptional({ example: true, default: true })
  @IsOptional()
  @IsBoolean()
  allowScreenShare?: boolean;

  @ApiPropertyOptional({ example: false, default: false })
  @IsOptional()
  @IsBoolean()
  allowRecording?: boolean;

  @ApiPropertyOptional({ example: false, default: false, description: 'Joiners start with audio off' })
  @IsOptional()
  @IsBoolean()
  muteOnJoin?: boolean;

  @ApiPropertyOptional({ example: false, default: false, description: 'Uninvited joiners must give `password`' })
  @IsOptional()
  @IsBoolean()
  requirePassword?: boolean;

  @ApiPropertyOptional({
    example: 'secret-42',
    description:
      '4–64 characters, at most 72 bytes; required with requirePassword (ignored without). Stored hashed, never returned.',
  })
  @ValidateIf((o: CallSettingsDto) => o.requirePassword === true || o.password !== undefined)
  @IsString()
  @Length(4, 64)
  @IsByteLength(0, 72, { message: 'password must be at most 72 bytes' })
  password?: string;
}

export class CreateCallDto {
  @ApiProperty({ enum: CALL_TYPES, example: 'video' })
  @IsIn(CALL_TYPES)
  callType!: CallType;

  @ApiProperty({ enum: CALL_MODES, example: 'group' })
  @IsIn(CALL_MODES)
  callMode!: CallMode;

  @ApiProperty({ example: 'Team Meeting', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  title!: string;

  @ApiPropertyOptional({ example: 'Weekly team sync', maxLength: 1000 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({
    example: 10,
    minimum: 2,
    maximum: 100,
    description: 'one-to-one: 2 (the only value); group: 2–100, default 10. The host counts.',
  })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(100)
  maxParticipants?: number;

  @ApiPropertyOptional({
    example: '2026-01-01T10:00:00Z',
    format: 'date-time',
    description:
      'An ISO 8601 date-time with a time zone (`Z` or `±HH:mm`). In the future: the call is `scheduled` ' +
      'until the first join; otherwise it starts now.',
  })
  @IsOptional()
  @IsIsoDateTime()
  scheduledFor?: string;

  @ApiPropertyOptional({ type: CallSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CallSettingsDto)
  settings?: CallSettingsDto;

  @ApiPropertyOptional({
    example: ['665f1c2ab3e4d5f6a7b8c9d1'],
    description: 'Active users to invite; at most maxParticipants − 1, no duplicates, not yourself.',
  })
  @IsOptional()
  @Transform(lowerCaseEach)
  @IsArray()
  @ArrayMaxSize(99)
  @ArrayUnique({ message: 'inviteUserIds must not contain duplicates' })
  @IsMongoId({ each: true, message: 'inviteUserIds must contain user ids (24 hexadecimal characters)' })
  inviteUserIds?: string[];
}
