import { IsOptional, IsString, MaxLength } from 'class-validator';

/** `ping`: checks the connection and its acknowledgements; `echo` comes back in the answer. */
export class PingDto {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  echo?: string;
}
