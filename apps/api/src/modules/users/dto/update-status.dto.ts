import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { Presence, PRESENCE } from '../schemas/user.schema';

export class UpdateStatusDto {
  @ApiProperty({ enum: PRESENCE, example: 'online' })
  @IsIn(PRESENCE, { message: `status must be one of ${PRESENCE.join(', ')}` })
  status!: Presence;
}
