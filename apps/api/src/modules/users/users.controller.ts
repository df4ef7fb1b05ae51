import { Body, Controller, Get, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, ResponseMessage } from '@app/common';
import { ContactsService } from '../contacts/contacts.service';
import { SearchUsersQuery } from './dto/search-users.dto';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { UpdateStatusDto } from './dto/update-status.dto';
import { Profile, PublicUser, toPublicUser } from './users.mapper';
import { UsersService } from './users.service';

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
  async profile(@CurrentUser() me: AuthUser): Promise<{ user: Profile }> {
    return { user: await this.users.getProfile(me.id) };
  }

  @Put('profile')
  @ResponseMessage('Profile updated successfully')
  @ApiOperation({ summary: 'Change firstName, lastName, phoneNumber, avatar or preferences; nothing else' })
  async updateProfile(@CurrentUser() me: AuthUser, @Body() body: UpdateProfileDto): Promise<{ user: Profile }> {
    return { user: await this.users.updateProfile(me.id, body) };
  }

  @Put('status')
  @ResponseMessage('Status updated successfully')
  @ApiOperation({ summary: 'Set presence: online, away, busy or offline' })
  async status(@CurrentUser() me: AuthUser, @Body() body: UpdateStatusDto) {
    const user = await this.users.setPresence(me.id, body.status);
    return { user: toPublicUser(user) };
  }

  @Get('search-users')
  @ResponseMessage('Users retrieved successfully')
  @ApiOperation({
    summary: 'Find other active users by first name, last name, full name or email',
    description:
      'Case-insensitive, literal (regular-expression characters match themselves). Leaves out yourself, ' +
      'suspended and deleted accounts. `isContact` says whether the user is in your contacts. ' +
      '`query` 1–100 characters after trimming; `limit` 1–50 (10).',
  })
  @ApiOkResponse({
    schema: {
      example: {
        success: true,
        status: 'success',
        message: 'Users retrieved successfully',
        timestamp: '2026-01-01T10:00:00.000Z',
        data: {
          users: [
            {
              id: '665f1c2ab3e4d5f6a7b8c9d0',
              firstName: 'John',
              lastName: 'Doe',
              email: 'john.doe@example.com',
              avatar: null,
              status: 'online',
              lastSeenAt: '2026-01-01T10:00:00.000Z',
              isContact: false,
            },
          ],
          query: 'john doe',
          limit: 10,
        },
      },
    },
  })
  async search(
    @CurrentUser() me: AuthUser,
    @Query() { query, limit }: SearchUsersQuery,
  ): Promise<{ users: (PublicUser & { isContact: boolean })[]; query: string; limit: number }> {
    const found = await this.users.search(me.id, query, limit);
    const contactIds = await this.contacts.contactIdsAmong(
      me.id,
      found.map((u) => u.id),
    );
    return { users: found.map((u) => ({ ...u, isContact: contactIds.has(u.id) })), query, limit };
  }
}
