import { Body, Controller, Get, HttpStatus, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, RateLimit, ResponseMessage } from '@app/common';
import { ContactsService } from '../contacts/contacts.service';
import { ApiErrors, ApiSuccess } from '../../core/swagger/api-responses';
import { ProfileDto, PublicUserDto, SearchUserDto, USER_ID_EXAMPLE } from './dto/user.response';
import { SearchUsersQuery } from './dto/search-users.dto';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { UpdateStatusDto } from './dto/update-status.dto';
import { Profile, PublicUser, toPublicUser, UserView } from './users.mapper';
import { UsersService } from './users.service';

/** The account may be deleted while its request runs: its own routes then answer 404. */
const ACCOUNT_GONE = { [HttpStatus.NOT_FOUND]: 'The account was deleted meanwhile' };

/** The signed-in user's own profile and presence (the spec puts them under /auth). */
@ApiTags('Authentication')
@ApiBearerAuth()
@Controller('auth')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly contacts: ContactsService,
  ) {}

  @Get('profile')
  @ResponseMessage('Profile retrieved successfully')
  @ApiOperation({ summary: "The signed-in user's profile, preferences and subscription" })
  @ApiSuccess(HttpStatus.OK, { user: ProfileDto })
  @ApiErrors(ACCOUNT_GONE)
  async profile(@CurrentUser() me: AuthUser): Promise<{ user: Profile }> {
    return { user: await this.users.getProfile(me.id) };
  }

  @Put('profile')
  @ResponseMessage('Profile updated successfully')
  @ApiOperation({ summary: 'Change firstName, lastName, phoneNumber, avatar or preferences; nothing else' })
  @ApiSuccess(HttpStatus.OK, { user: ProfileDto })
  @ApiErrors(ACCOUNT_GONE)
  async updateProfile(@CurrentUser() me: AuthUser, @Body() body: UpdateProfileDto): Promise<{ user: Profile }> {
    return { user: await this.users.updateProfile(me.id, body) };
  }

  @Put('status')
  @ResponseMessage('Status updated successfully')
  @ApiOperation({ summary: 'Set presence: online, away, busy or offline' })
  @ApiSuccess(HttpStatus.OK, { user: PublicUserDto })
  @ApiErrors(ACCOUNT_GONE)
  async status(@CurrentUser() me: AuthUser, @Body() body: UpdateStatusDto): Promise<{ user: PublicUser }> {
    const user = await this.users.setPresence(me.id, body.status);
    return { user: toPublicUser(user) };
  }

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
