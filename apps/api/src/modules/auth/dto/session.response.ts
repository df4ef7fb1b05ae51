import { ApiProperty } from '@nestjs/swagger';
import { PublicUserDto } from '../../users';
import { Session } from '../auth.service';

export class SessionUserDto extends PublicUserDto {
  @ApiProperty({ example: false }) isEmailVerified!: boolean;
}

/** What register, login and a password change answer: the account and a fresh token. */
export class SessionDto implements Session {
  @ApiProperty({ type: () => SessionUserDto }) user!: SessionUserDto;
  @ApiProperty({
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2NjVmMWMyYWIzZTRkNWY2YTdiOGM5ZDAifQ.c2lnbmF0dXJl',
    description: 'HS256 JWT for `Authorization: Bearer <token>`, valid for JWT_EXPIRES_IN',
  })
  token!: string;
}
