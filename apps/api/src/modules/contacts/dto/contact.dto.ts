import { ApiProperty } from '@nestjs/swagger';
import { PageQuery } from '@app/common';
import { IsMongoId } from 'class-validator';

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

export class ListContactsQuery extends PageQuery(CONTACTS_DEFAULT_LIMIT, CONTACTS_MAX_LIMIT) {}
