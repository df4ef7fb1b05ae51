import { Body, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiParam } from '@nestjs/swagger';
import { AuthUser, CurrentUser, ResponseMessage } from '@app/common';
import { ApiErrors, ApiSuccess } from '../../../core/swagger/api-responses';
import { UserCallStats } from '../../calls';
import { AuditChanges, AuditNote } from '../system';
import { AdminController, AdminOnly } from '../admin-route';
import { AdminUserView } from './admin-user.mapper';
import { AdminUserPage, AdminUsersService } from './admin-users.service';
import {
  ADMIN_USER_EXAMPLE,
  AdminUserDto,
  AdminUserPaginationDto,
  SUSPENDED_USER_EXAMPLE,
  USER_CALL_STATS_EXAMPLE,
  UserCallStatsDto,
} from './dto/admin-user.response';
import { AdminUsersQuery } from './dto/admin-users.query';
import { SuspendUserDto } from './dto/suspend-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';

const USER_ID_PARAM = {
  name: 'userId',
  description: 'User id: 24 hexadecimal characters (unknown or malformed: 404)',
  example: ADMIN_USER_EXAMPLE.id,
};
const NOT_FOUND = { [HttpStatus.NOT_FOUND]: 'No user with this id' };
const FORBIDDEN_TARGET = {
  [HttpStatus.FORBIDDEN]:
    'Not staff; a moderator acting on an account whose role is not `user`; or acting on your own account',
};
const CONFLICT = {
  [HttpStatus.CONFLICT]:
    'It would leave no active admin; the account is deleted; or its role or status changed meanwhile',
};

/** User management for staff (spec "Admin Endpoints", "User Management"). */
@AdminController('users', 'Admin: users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @ResponseMessage('Users retrieved successfully')
  @ApiOperation({
    summary: 'Every account, filtered, searched, sorted and paged',
    description:
      'Deleted accounts are listed too unless `status` filters them out. `limit` at most 100. Reads every ' +
      'account on the embedded database (no index but `_id` there).',
  })
  @ApiSuccess(
    HttpStatus.OK,
    { users: [AdminUserDto], pagination: AdminUserPaginationDto },
    { example: { users: [ADMIN_USER_EXAMPLE], pagination: { page: 1, limit: 20, total: 1, pages: 1 } } },
  )
  list(@Query() query: AdminUsersQuery): Promise<AdminUserPage> {
    return this.users.list(query);
  }

  @Get(':userId')
  @ResponseMessage('User retrieved successfully')
  @ApiParam(USER_ID_PARAM)
  @ApiOperation({
    summary: 'An account with its call statistics',
    description: 'The statistics are read live: they scan calls and participants on the embedded database.',
  })
  @ApiSuccess(
    HttpStatus.OK,
    { user: AdminUserDto, stats: UserCallStatsDto },
    { example: { user: ADMIN_USER_EXAMPLE, stats: USER_CALL_STATS_EXAMPLE } },
  )
  @ApiErrors(NOT_FOUND)
  details(@Param('userId') userId: string): Promise<{ user: AdminUserView; stats: UserCallStats }> {
    return this.users.details(userId);
  }

  @Put(':userId')
  @ResponseMessage('User updated successfully')
  @ApiParam(USER_ID_PARAM)
  @ApiOperation({
    summary: 'Change names, role, account status or plan',
    description:
      'Moderators may change names and status of accounts whose role is `user`; a role or plan in their ' +
      'request is refused (403). `status: suspended` suspends without a reason (as POST .../suspend does ' +
      'otherwise: tokens revoked, sockets closed, hosted calls ended).',
  })
  @ApiSuccess(HttpStatus.OK, { user: AdminUserDto }, { example: { user: { ...ADMIN_USER_EXAMPLE, plan: 'pro' } } })
  @ApiErrors(HttpStatus.BAD_REQUEST, FORBIDDEN_TARGET, NOT_FOUND, CONFLICT)
  async update(
    @CurrentUser() me: AuthUser,
    @Param('userId') userId: string,
    @Body() body: UpdateUserDto,
    @AuditNote() audit: AuditChanges,
  ): Promise<{ user: AdminUserView }> {
    return { user: await this.users.update(me, userId, body, audit) };
  }

  @Delete(':userId')
  @AdminOnly()
  @ResponseMessage('User deleted successfully')
  @ApiParam(USER_ID_PARAM)
  @ApiOperation({
    summary: 'Delete an account (admins only)',
    description:
      'Anonymises the account (names, email, phone, avatar; the password becomes unusable), revokes its ' +
      'tokens and closes its sockets, ends the calls it hosts and removes its contacts both ways. Calls it ' +
      'took part in stay in the others\u2019 history, showing "Deleted User".',
  })
  @ApiSuccess(
    HttpStatus.OK,
    { user: AdminUserDto },
    {
      example: {
        user: {
          ...ADMIN_USER_EXAMPLE,
          firstName: 'Deleted',
          lastName: 'User',
          email: `deleted-${ADMIN_USER_EXAMPLE.id}@deleted.invalid`,
          phoneNumber: null,
          status: 'deleted',
          deletedAt: '2026-01-03T10:00:00.000Z',
        },
      },
    },
  )
  @ApiErrors(FORBIDDEN_TARGET, NOT_FOUND, CONFLICT)
  async delete(
    @CurrentUser() me: AuthUser,
    @Param('userId') userId: string,
    @AuditNote() audit: AuditChanges,
  ): Promise<{ user: AdminUserView }> {
    return { user: await this.users.delete(me, userId, audit) };
  }

  @Post(':userId/suspend')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('User suspended successfully')
  @ApiParam(USER_ID_PARAM)
  @ApiOperation({
    summary: 'Suspend an account, with a reason',
    description:
      'Every token of the account stops working at once (also after a later activation), its sockets receive ' +
      '`session-ended` (`account-suspended`) and close, the calls it hosts end (`ended-by-admin`); signing in ' +
      'answers 403 until it is activated. Moderators: accounts whose role is `user` only.',
  })
  @ApiSuccess(HttpStatus.OK, { user: AdminUserDto }, { example: { user: SUSPENDED_USER_EXAMPLE } })
  @ApiErrors(HttpStatus.BAD_REQUEST, FORBIDDEN_TARGET, NOT_FOUND, {
    [HttpStatus.CONFLICT]: `${CONFLICT[HttpStatus.CONFLICT]}; or it is already suspended`,
  })
  async suspend(
    @CurrentUser() me: AuthUser,
    @Param('userId') userId: string,
    @Body() body: SuspendUserDto,
    @AuditNote() audit: AuditChanges,
  ): Promise<{ user: AdminUserView }> {
    return { user: await this.users.suspend(me, userId, body.reason, audit) };
  }

  @Post(':userId/activate')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('User activated successfully')
  @ApiParam(USER_ID_PARAM)
  @ApiOperation({
    summary: 'Activate a suspended account',
    description: 'The user can sign in again (tokens from before the suspension stay revoked).',
  })
  @ApiSuccess(HttpStatus.OK, { user: AdminUserDto }, { example: { user: ADMIN_USER_EXAMPLE } })
  @ApiErrors(FORBIDDEN_TARGET, NOT_FOUND, {
    [HttpStatus.CONFLICT]: 'The account is not suspended, or changed meanwhile',
  })
  async activate(
    @CurrentUser() me: AuthUser,
    @Param('userId') userId: string,
    @AuditNote() audit: AuditChanges,
  ): Promise<{ user: AdminUserView }> {
    return { user: await this.users.activate(me, userId, audit) };
  }
}
