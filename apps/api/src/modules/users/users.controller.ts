import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, ResponseMessage } from '@app/common';
import { UpdateProfileDto } from './dto/update-profile.dto';
import { UpdateStatusDto } from './dto/update-status.dto';
import { Profile, toPublicUser } from './users.mapper';
import { UsersService } from './users.service';

/** The signed-in user's own profile and presence (the spec puts them under /auth). */
@ApiTags('Authentication')
@ApiBearerAuth()
@Controller('auth')
export class UsersController {
  constructor(private readonly users: UsersService) {}

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
}
