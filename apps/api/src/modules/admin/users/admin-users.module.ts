import { Module } from '@nestjs/common';
import { CallsModule } from '../../calls';
import { UsersModule } from '../../users';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';

/**
 * Admin users: list, details with call statistics, update, suspend, activate, delete. See
 * docs/architecture.md, "Admin — users".
 */
@Module({
  imports: [UsersModule, CallsModule],
  controllers: [AdminUsersController],
  providers: [AdminUsersService],
})
export class AdminUsersModule {}
