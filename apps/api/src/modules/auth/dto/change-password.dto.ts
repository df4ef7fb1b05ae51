import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsStrongPassword } from './password.validator';

export class ChangePasswordDto {
  @ApiProperty({ example: 'OldPass123' })
  @IsString()
  @Length(1, 200)
  currentPassword!: string;

  @ApiProperty({
    example: 'NewPass123',
    description: '8–72 characters with upper, lower and digit; not the current one',
  })
  @IsString()
  @IsStrongPassword()
  newPassword!: string;
}
