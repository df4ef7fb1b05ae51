import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, ResponseMessage } from '@app/common';
import { ApiErrors, ApiSuccess } from '../../core/swagger/api-responses';
import { AddContactDto, ContactUserIdParam, ListContactsQuery } from './dto/contact.dto';
import { ContactDto, ContactPageDto } from './dto/contact.response';
import { CONTACT_EXAMPLE, ContactView, MUTUAL_CONTACT_EXAMPLE } from './contacts.mapper';
import { ContactPage, ContactsService } from './contacts.service';

/** The signed-in user's own contact list (the spec puts it under /auth). */
@ApiTags('Contacts')
@ApiBearerAuth()
@Controller('auth/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @ResponseMessage('Contacts retrieved successfully')
  @ApiOperation({
    summary: 'Your contacts, newest first, with their current presence',
    description:
      'Contacts whose account was deleted are left out; suspended ones are listed. `limit` 1–500 (100). ' +
      "A contact's `email` is null unless that contact has you in their own contacts too.",
  })
  @ApiSuccess(HttpStatus.OK, ContactPageDto, {
    example: { contacts: [CONTACT_EXAMPLE, MUTUAL_CONTACT_EXAMPLE], total: 2, limit: 100, skip: 0 },
  })
  list(@CurrentUser() me: AuthUser, @Query() query: ListContactsQuery): Promise<ContactPage> {
    return this.contacts.list(me.id, query.limit, query.skip);
  }

  @Post()
  @ResponseMessage('Contact added successfully')
  @ApiOperation({
    summary: 'Add a user to your contacts (one-directional)',
    description:
      '400 for yourself or a malformed id; 404 for an unknown, suspended or deleted user; 409 if already added. ' +
      "Adding someone does not reveal their email: the answer's `email` is null unless they have you in " +
      'their own contacts.',
  })
  @ApiSuccess(HttpStatus.CREATED, { contact: ContactDto }, { example: { contact: CONTACT_EXAMPLE } })
  @ApiErrors({
    [HttpStatus.BAD_REQUEST]: 'Yourself, or a malformed id',
    [HttpStatus.NOT_FOUND]: 'No active user with this id',
    [HttpStatus.CONFLICT]: 'Already in your contacts',
  })
  async add(@CurrentUser() me: AuthUser, @Body() body: AddContactDto): Promise<{ contact: ContactView }> {
    return { contact: await this.contacts.add(me.id, body.contactUserId) };
  }

  @Delete(':contactUserId')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Contact removed successfully')
  @ApiOperation({
    summary: 'Remove a user from your contacts',
    description: '400 for a malformed id; 404 if the user is not in your contacts.',
  })
  @ApiSuccess(
    HttpStatus.OK,
    { contactUserId: { type: 'string', pattern: '^[0-9a-f]{24}$', example: CONTACT_EXAMPLE.id } },
    { example: { contactUserId: CONTACT_EXAMPLE.id } },
  )
  @ApiErrors({ [HttpStatus.NOT_FOUND]: 'Not in your contacts' })
  async remove(@CurrentUser() me: AuthUser, @Param() params: ContactUserIdParam): Promise<{ contactUserId: string }> {
    await this.contacts.remove(me.id, params.contactUserId);
    return { contactUserId: params.contactUserId.toLowerCase() };
  }
}
