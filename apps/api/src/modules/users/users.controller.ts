import { Body, Controller, Get, HttpStatus, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, ResponseMessage } from '@app/common';
import { ApiErrors, ApiSuccess } from '../../core/swagger/api-responses';
import { ProfileDto, PublicUserDto } from './dto/user.response';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { UpdateStatusDto } from './dto/update-status.dto';
import { Profile, PublicUser, toPublicUser } from './users.mapper';
import { UsersService } from './users.service';

/** The account may be deleted while its request runs: its own routes then answer 404. */
const ACCOUNT_GONE = { [HttpStatus.NOT_FOUND]: 'The account was deleted meanwhile' };

/** The signed-in user's own profile and presence (the spec puts them under /auth). */
@ApiTags('Profile')
@ApiBearerAuth()
@Controller('auth')
export class UsersController {
  constructor(private readonly users: UsersService) {}

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
}
