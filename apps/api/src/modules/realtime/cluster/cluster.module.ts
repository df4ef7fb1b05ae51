import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersModule } from '../../users';
import { CrashSweep } from './crash-sweep';
import { InstanceLeaseRepository } from './instance-lease.repository';
import { InstanceLeaseSchema, RealtimeInstance } from './instance-lease.schema';
import { LocalInstance } from './local-instance';
import { SessionLoss } from './session-loss';
import { SessionRooms } from './session-rooms';

/**
 * The gateway as one of several instances: this process's id and lease, the call rooms of its
 * live sessions, and the sweep that ends a dead instance's sessions (reported through SessionLoss).
 */
@Module({
  imports: [UsersModule, MongooseModule.forFeature([{ name: RealtimeInstance.name, schema: InstanceLeaseSchema }])],
  providers: [LocalInstance, InstanceLeaseRepository, CrashSweep, SessionLoss, SessionRooms],
  exports: [LocalInstance, SessionLoss],
})
export class ClusterModule {}
