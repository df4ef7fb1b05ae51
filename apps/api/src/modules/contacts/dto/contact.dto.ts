import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';

export const CONTACTS_DEFAULT_LIMIT = 100;
export const CONTACTS_MAX_LIMIT = 500;

export class AddContactDto {
  @ApiProperty({ example: '665f1c2ab3e4d5f6a7b8c9d0', description: 'Id of the user to add' })
  @IsMongoId({ message: 'contactUserId must be a user id (24 hexadecimal characters)' })
  contactUserId!: string;
}

/** `DELETE /auth/contacts/:contactUserId`: a malformed id is a 400, as in the body of an add. */
export class ContactUserIdParam {
  @ApiProperty({ example: '665f1c2ab3e4d5f6a7b8c9d0' })
  @IsMongoId({ message: 'contactUserId must be a user id (24 hexadecimal characters)' })
  contactUserId!: string;
}

export class ListContactsQuery {
  @ApiPropertyOptional({ example: 100, default: CONTACTS_DEFAULT_LIMIT, minimum: 1, maximum: CONTACTS_MAX_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(CONTACTS_MAX_LIMIT)
  limit: number = CONTACTS_DEFAULT_LIMIT;

  @ApiPropertyOptional({ example: 0, default: 0, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  skip: number = 0;
}
