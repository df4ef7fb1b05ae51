import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, MaxLength } from 'class-validator';
import { normalizeEmail } from '@app/common';
import { IsPasswordInput } from './password.validator';

export class LoginDto {
  @ApiProperty({ example: 'john@example.com' })
  @Transform(normalizeEmail)
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'SecurePass123', description: '1 to 72 bytes' })
  @IsPasswordInput()
  password!: string;
}
