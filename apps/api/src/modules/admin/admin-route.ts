import { applyDecorators, Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags } from '@nestjs/swagger';
import { RateLimit, Role, Roles } from '@app/common';

/** Who may use an admin route: moderators (and admins), or admins only. */
export type AdminAccess = Extract<Role, 'moderator' | 'admin'>;

const ALLOWED: Readonly<Record<AdminAccess, Role[]>> = {
  moderator: ['moderator', 'admin'],
  admin: ['admin'],
};

/**
 * An admin controller under `/api/admin/<path>`: signed-in moderators and admins only (403 for
 * others, 401 without a token), the `admin` rate limit (THROTTLE_ADMIN_*), and the Swagger tag.
 * Routes that only admins may use add `@AdminOnly()`.
 */
export function AdminController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(path ? `admin/${path}` : 'admin'),
    ApiTags(tag),
    ApiBearerAuth(),
    ApiForbiddenResponse({ description: 'Not a moderator or admin (or, on admin-only routes, not an admin)' }),
    Roles(...ALLOWED.moderator),
    RateLimit('admin'),
  );
}

/** The route is for admins only (a method-level `@Roles` replaces the controller's). */
export const AdminOnly = (): MethodDecorator => applyDecorators(Roles(...ALLOWED.admin));
