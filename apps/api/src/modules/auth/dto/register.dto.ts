import { E164, EMAIL_MAX_LENGTH, IsEmailAddress, IsOptionalNonNull, trim } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, Matches } from 'class-validator';
import { IsStrongPassword } from './password.validator';

export class RegisterDto {
  @ApiProperty({ example: 'John', minLength: 1, maxLength: 50 })
  @Transform(trim)
  @IsString()
  @Length(1, 50)
  firstName!: string;

  @ApiProperty({ example: 'Doe', minLength: 1, maxLength: 50 })
  @Transform(trim)
  @IsString()
  @Length(1, 50)
  lastName!: string;

  @ApiProperty({ example: 'john@example.com', maxLength: EMAIL_MAX_LENGTH })
  @IsEmailAddress()
  email!: string;

  @ApiProperty({ example: 'SecurePass123', description: '8–72 characters with upper, lower and digit' })
  @IsString()
  @IsStrongPassword()
  password!: string;

  @ApiPropertyOptional({ example: '+1234567890', description: 'E.164' })
  @IsOptionalNonNull()
  @IsString()
  @Matches(E164, { message: 'phoneNumber must be in E.164 format, like +1234567890' })
  phoneNumber?: string;
}
