import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { IsPasswordInput, IsStrongPassword } from './password.validator';

export class ChangePasswordDto {
  @ApiProperty({ example: 'OldPass123', description: '1 to 72 bytes' })
  @IsPasswordInput()
  currentPassword!: string;

  @ApiProperty({
    example: 'NewPass123',
    description: '8–72 characters with upper, lower and digit; not the current one',
  })
  @IsString()
  @IsStrongPassword()
  newPassword!: string;
}
