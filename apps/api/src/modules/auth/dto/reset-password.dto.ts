import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { IsStrongPassword } from './password.validator';

export class ResetPasswordDto {
  @ApiProperty({ example: 'NewPass123', description: '8–72 characters with upper, lower and digit' })
  @IsString()
  @IsStrongPassword()
  newPassword!: string;
}
