import { Module } from '@nestjs/common';
import { ContactsModule } from '../../contacts';
import { UsersModule } from '../../users';
import { ClusterModule } from '../cluster/cluster.module';
import { RealtimeExceptionFilter } from '../realtime-errors';
import { PresenceGateway } from './presence.gateway';

/**
 * Presence over sockets: live sessions in the database, and user-online / user-offline to the users
 * who have someone as a contact (also when the instance holding a session died).
 */
@Module({
  imports: [UsersModule, ContactsModule, ClusterModule],
  providers: [PresenceGateway, RealtimeExceptionFilter],
})
export class PresenceModule {}
