import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccountChanges } from './accounts/account-changes.service';
import { AccountDirectory } from './accounts/account-directory.service';
import { ActiveAdminCountRepository } from './accounts/active-admin-count.repository';
import { ActiveAdmins } from './accounts/active-admins';
import { LiveSession, LiveSessionSchema } from './schemas/live-session.schema';
import { UserCounter, UserCounterSchema } from './schemas/user-counter.schema';
import { User, UserSchema } from './schemas/user.schema';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';
import { UserConnections } from './user-connections';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: User.name, schema: UserSchema },
      { name: LiveSession.name, schema: LiveSessionSchema },
      { name: UserCounter.name, schema: UserCounterSchema },
    ]),
  ],
  controllers: [UsersController],
  providers: [
    UsersRepository,
    UsersService,
    UserConnections,
    ActiveAdminCountRepository,
    ActiveAdmins,
    AccountChanges,
    AccountDirectory,
  ],
  exports: [UsersService, UserConnections, AccountChanges, AccountDirectory],
})
export class UsersModule {}
