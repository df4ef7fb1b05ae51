/** The users module's public surface: what other modules may use. */
export { UsersModule } from './users.module';
export { UsersService } from './users.service';
export type { SearchResult } from './users.service';
export type { UserCountField, UserRollupFacts } from './users.repository';
export { toPublicUser, toUserView, toProfile, visibleStatus } from './users.mapper';
export { UserConnections } from './user-connections';
export type { OpenedSession } from './user-connections';
export type { LiveSessionRecord } from './schemas/live-session.schema';
export type { PublicUser, UserView, Profile } from './users.mapper';
export type { UserRecord, Plan } from './schemas/user.schema';
export { PLANS } from './schemas/user.schema';
export { SearchUsersQuery } from './dto/search-users.dto';
export { UpdateProfileDto } from './dto/update-profile.dto';
export { PublicUserDto, SearchUserDto, UserViewDto, USER_ID_EXAMPLE } from './dto/user.response';
export { AccountChanges, LAST_ADMIN_MESSAGE, UNUSABLE_PASSWORD_HASH } from './accounts/account-changes.service';
export type { AccountChangeSet } from './accounts/account-changes.service';
export { AccountDirectory, STAFF_USER_SORTS } from './accounts/account-directory.service';
export type { StaffUserListing, StaffUserSort } from './accounts/account-directory.service';
