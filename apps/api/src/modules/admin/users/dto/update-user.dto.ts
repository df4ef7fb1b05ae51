import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsOptionalNonNull, Role, ROLE_VALUES } from '@app/common';
import { Plan, PLANS, UpdateProfileDto } from '../../../users';

/** The account statuses staff may set here (deletion has its own route). */
export const SETTABLE_STATUSES = ['active', 'suspended'] as const;

/**
 * `PUT /api/admin/users/:userId`: names with the profile's rules (taken from UpdateProfileDto),
 * role, account status and plan; anything else is refused (400). Moderators may change names and
 * status of `user` accounts only.
 */
export class UpdateUserDto extends PickType(UpdateProfileDto, ['firstName', 'lastName'] as const) {
  @ApiPropertyOptional({ enum: ROLE_VALUES, example: 'moderator', description: 'Admins only' })
  @IsOptionalNonNull()
  @IsIn(ROLE_VALUES)
  role?: Role;

  @ApiPropertyOptional({
    enum: SETTABLE_STATUSES,
    example: 'suspended',
    description: 'Account status; `suspended` here stores no reason (POST .../suspend takes one)',
  })
  @IsOptionalNonNull()
  @IsIn(SETTABLE_STATUSES)
  status?: (typeof SETTABLE_STATUSES)[number];

  @ApiPropertyOptional({ enum: PLANS, example: 'pro', description: 'Subscription plan; admins only' })
  @IsOptionalNonNull()
  @IsIn(PLANS)
  plan?: Plan;
}
