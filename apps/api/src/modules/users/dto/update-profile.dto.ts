import { E164, IsOptionalNonNull, trim } from '@app/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, IsUrl, Length, Matches, MaxLength } from 'class-validator';

import { IsPreferences } from './preferences.validator';
import { PREFERENCES_SCHEMA } from './user.response';

/** The only fields a user may change on their own profile; anything else is refused with 400. */
export class UpdateProfileDto {
  @ApiPropertyOptional({ example: 'John', minLength: 1, maxLength: 50 })
  @IsOptionalNonNull()
  @Transform(trim)
  @IsString()
  @Length(1, 50)
  firstName?: string;

  @ApiPropertyOptional({ example: 'Smith', minLength: 1, maxLength: 50 })
  @IsOptionalNonNull()
  @Transform(trim)
  @IsString()
  @Length(1, 50)
  lastName?: string;

  @ApiPropertyOptional({ example: '+1234567890', description: 'E.164' })
  @IsOptionalNonNull()
  @IsString()
  @Matches(E164, { message: 'phoneNumber must be in E.164 format, like +1234567890' })
  phoneNumber?: string;

  @ApiPropertyOptional({ example: 'https://example.com/new-avatar.jpg' })
  @IsOptionalNonNull()
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'avatar must be an http or https URL' })
  avatar?: string;

  @ApiPropertyOptional({ ...PREFERENCES_SCHEMA })
  @IsOptionalNonNull()
  @IsPreferences()
  preferences?: Record<string, unknown>;
}
