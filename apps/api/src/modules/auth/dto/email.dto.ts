import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { normalizeEmail } from '@app/common';

/** The body of forgot-password and resend-verification. */
export class EmailDto {
  @ApiProperty({ example: 'john@example.com' })
  @Transform(normalizeEmail)
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;
}
