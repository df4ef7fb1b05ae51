import { Controller, Get, HttpStatus, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, RateLimit, ResponseMessage } from '@app/common';
import { ApiSuccess } from '../../core/swagger/api-responses';
import { SearchUserDto, USER_ID_EXAMPLE, SearchUsersQuery, UserView, UsersService } from '../users';
import { ContactsService } from './contacts.service';

/**
 * Finding people to add: user search with the `isContact` flag and the email rule of the
 * contact lists. It lives with contacts, which depend on users, so users never depend back.
 */
@ApiTags('Contacts')
@ApiBearerAuth()
@Controller('auth')
export class PeopleSearchController {
  constructor(
    private readonly users: UsersService,
    private readonly contacts: ContactsService,
  ) {}

  @Get('search-users')
  @RateLimit('search')
  @ResponseMessage('Users retrieved successfully')
  @ApiOperation({
    summary: 'Find other active users by first name, last name, full name or exact email',
    description:
      'Case-insensitive, literal (regular-expression characters match themselves). Leaves out yourself, ' +
      'suspended and deleted accounts. `query` needs at least 2 letters or digits (punctuation does not ' +
      'count; 400 otherwise) and at most 100 characters after trimming; names match word by word, an ' +
      'email only when the whole query is that exact address. `limit` 1–50 (10). `isContact` says whether ' +
      'the user is in your contacts. `email` is null unless that user has you in their own contacts, or ' +
      'your query was their exact email. Rate limited per user (`THROTTLE_SEARCH_LIMIT` per ' +
      '`THROTTLE_SEARCH_TTL` seconds; 429 with `Retry-After` beyond).',
  })
  @ApiSuccess(
    HttpStatus.OK,
    { users: [SearchUserDto], query: { type: 'string', example: 'john doe' }, limit: { type: 'integer', example: 10 } },
    {
      example: {
        users: [
          {
            id: USER_ID_EXAMPLE,
            firstName: 'John',
            lastName: 'Doe',
            email: null,
            avatar: null,
            status: 'online',
            lastSeenAt: '2026-01-01T10:00:00.000Z',
            isContact: false,
          },
          {
            id: '665f1c2ab3e4d5f6a7b8c9d1',
            firstName: 'John',
            lastName: 'Doering',
            email: 'john.doering@example.com',
            avatar: null,
            status: 'offline',
            lastSeenAt: '2026-01-01T08:00:00.000Z',
            isContact: true,
          },
        ],
        query: 'john doe',
        limit: 10,
      },
    },
  )
  async search(
    @CurrentUser() me: AuthUser,
    @Query() { query, limit }: SearchUsersQuery,
  ): Promise<{ users: (UserView & { isContact: boolean })[]; query: string; limit: number }> {
    const { users, exactEmail } = await this.users.search(me.id, query, limit);
    const relations = await this.contacts.relationsWith(
      me.id,
      users.map((u) => u._id.toHexString()),
    );
    return {
      users: users.map((u) => ({
        ...relations.view(u, exactEmail),
        isContact: relations.isContact(u._id.toHexString()),
      })),
      query,
      limit,
    };
  }
}
