import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LiveSession, LiveSessionSchema } from './schemas/live-session.schema';
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
    ]),
  ],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, UserConnections],
  exports: [UsersService, UserConnections],
})
export class UsersModule {}
