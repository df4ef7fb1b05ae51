import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { Role, ROLE_VALUES } from '@app/common';
import { Plan, PLANS, Presence, PRESENCE } from '../schemas/user.schema';
import { Profile, PublicUser, UserView } from '../users.mapper';
import { MAX_PREFERENCE_KEYS, MAX_PREFERENCE_STRING, PREFERENCE_KEY } from './preferences.validator';

/** Response shapes of users as the API shows them (users.mapper.ts), for the OpenAPI document. */

export const USER_ID_EXAMPLE = '665f1c2ab3e4d5f6a7b8c9d0';
const USER_ID = { pattern: '^[0-9a-f]{24}$', example: USER_ID_EXAMPLE, description: '24 hexadecimal characters' };

/** The one description of `preferences`, for the request that sets them and the profile that shows them. */
export const PREFERENCES_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  maxProperties: MAX_PREFERENCE_KEYS,
  description:
    `A flat object of at most ${MAX_PREFERENCE_KEYS} keys (${PREFERENCE_KEY.source}) whose values are strings ` +
    `(up to ${MAX_PREFERENCE_STRING} characters), numbers, booleans or null. No nesting. A profile update ` +
    'replaces the whole object.',
  additionalProperties: {
    oneOf: [
      { type: 'string', maxLength: MAX_PREFERENCE_STRING, nullable: true },
      { type: 'number' },
      { type: 'boolean' },
    ],
  },
  example: { theme: 'dark', notifications: true, volume: 80 },
};

/** Another user as the viewer may see them: `email` is null unless that user shares it with the viewer. */
export class UserViewDto implements UserView {
  @ApiProperty(USER_ID) id!: string;
  @ApiProperty({ example: 'John' }) firstName!: string;
  @ApiProperty({ example: 'Doe' }) lastName!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description:
      'Null unless this user has the viewer in their own contacts (or the viewer searched for this exact address)',
  })
  email!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null, description: 'http(s) URL' }) avatar!: string | null;
  @ApiProperty({ enum: PRESENCE, example: 'online', description: 'Presence' }) status!: Presence;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-01-01T10:00:00.000Z' })
  lastSeenAt!: string | null;
}

/** A user in a search result. */
export class SearchUserDto extends UserViewDto {
  @ApiProperty({ example: false, description: 'Whether this user is in your contacts' }) isContact!: boolean;
}

/** The signed-in user's own account: with the email. */
export class PublicUserDto extends UserViewDto implements PublicUser {
  @ApiProperty({ type: String, nullable: false, example: 'john@example.com', description: 'Your own email' })
  declare email: string;
}

export class SubscriptionDto {
  @ApiProperty({ enum: PLANS, example: 'free' }) plan!: Plan;
  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'number' }, { type: 'boolean' }] },
    example: { maxParticipants: 4, maxCallMinutes: 40, screenShare: true, recording: false },
    description: 'What the plan grants (maxParticipants, maxCallMinutes, screenShare, recording)',
  })
  features!: Record<string, number | boolean>;
}

export class ProfileDto extends PublicUserDto implements Profile {
  @ApiProperty({ type: String, nullable: true, example: '+1234567890', description: 'E.164' }) phoneNumber!:
    string | null;
  @ApiProperty({ enum: ROLE_VALUES, example: 'user' }) role!: Role;
  @ApiProperty({ example: false }) isEmailVerified!: boolean;
  @ApiProperty({ ...PREFERENCES_SCHEMA }) preferences!: Record<string, unknown>;
  @ApiProperty({ type: () => SubscriptionDto }) subscription!: SubscriptionDto;
  @ApiProperty({ format: 'date-time', example: '2026-01-01T09:00:00.000Z' }) createdAt!: string;
}
