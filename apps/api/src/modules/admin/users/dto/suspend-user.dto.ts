import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length } from 'class-validator';
import { trim } from '@app/common';

export const SUSPENSION_REASON_MAX = 500;

/** `POST /api/admin/users/:userId/suspend`: why (stored on the account, shown to staff). */
export class SuspendUserDto {
  @ApiProperty({ example: 'Abusive behaviour in calls', minLength: 1, maxLength: SUSPENSION_REASON_MAX })
  @Transform(trim)
  @IsString()
  @Length(1, SUSPENSION_REASON_MAX)
  reason!: string;
}
