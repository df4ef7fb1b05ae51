import { ApiProperty } from '@nestjs/swagger';
import { EMAIL_MAX_LENGTH, IsEmailAddress } from '@app/common';

/** The body of forgot-password and resend-verification. */
export class EmailDto {
  @ApiProperty({ example: 'john@example.com', maxLength: EMAIL_MAX_LENGTH })
  @IsEmailAddress()
  email!: string;
}
