import { Module } from '@nestjs/common';
import { ContactsModule } from '../../contacts';
import { UsersModule } from '../../users';
import { RealtimeExceptionFilter } from '../realtime-errors';
import { PresenceGateway } from './presence.gateway';

/** Presence over sockets: user-online / user-offline to the users who have someone as a contact. */
@Module({
  imports: [UsersModule, ContactsModule],
  providers: [PresenceGateway, RealtimeExceptionFilter],
})
export class PresenceModule {}
