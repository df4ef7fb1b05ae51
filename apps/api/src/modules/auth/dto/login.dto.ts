import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, MaxLength } from 'class-validator';
import { normalizeEmail } from '@app/common';

export class LoginDto {
  @ApiProperty({ example: 'john@example.com' })
  @Transform(normalizeEmail)
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'SecurePass123' })
  @IsString()
  @Length(1, 200)
  password!: string;
}
