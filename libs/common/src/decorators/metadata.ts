import type { Role } from '../domain/vocabulary';
import { SetMetadata } from '@nestjs/common';

export const RESPONSE_MESSAGE = 'app:response-message';
export const RAW_RESPONSE = 'app:raw-response';
export const IS_PUBLIC = 'app:is-public';
export const RATE_LIMIT = 'app:rate-limit';

/** The envelope's `message` for a successful response of this route. */
export const ResponseMessage = (message: string) => SetMetadata(RESPONSE_MESSAGE, message);

/** The route writes its own body shape (health probes, Prometheus text); the envelope stays off. */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** The route needs no authentication. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The named rate limit a route counts against (docs/architecture.md, "Rate limits"); `false` exempts it. */
export const RATE_LIMIT_NAMES = ['auth', 'default', 'admin', 'search'] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];
export const RateLimit = (name: RateLimitName | false) => SetMetadata(RATE_LIMIT, name);

export const ROLES = 'app:roles';

/** Only these roles may call the route (checked after authentication). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);
