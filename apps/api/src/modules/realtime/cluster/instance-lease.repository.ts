import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { InstanceLeaseRecord, RealtimeInstance } from './instance-lease.schema';

/** The only code that touches `realtime_instances` (a handful of documents: one per running process). */
@Injectable()
export class InstanceLeaseRepository {
  constructor(@InjectModel(RealtimeInstance.name) private readonly leases: Model<RealtimeInstance>) {}

  /** Writes the lease; `true` when it had to be created (new, or claimed meanwhile as expired). */
  async renew(instanceId: string, now: Date, expiresAt: Date): Promise<boolean> {
    const result = await this.leases
      .updateOne({ _id: instanceId }, { $set: { renewedAt: now, expiresAt } }, { upsert: true })
      .exec();
    return result.upsertedCount === 1;
  }

  async isAlive(instanceId: string, now: Date): Promise<boolean> {
    const lease = await this.leases.findById(instanceId).lean<InstanceLeaseRecord>().exec();
    return lease !== null && lease.expiresAt > now;
  }

  expired(now: Date): Promise<InstanceLeaseRecord[]> {
    return this.leases
      .find({ expiresAt: { $lt: now } })
      .lean<InstanceLeaseRecord[]>()
      .exec();
  }

  /** Takes an expired lease if it is still the one read: `true` for exactly one of the instances sweeping. */
  async claim(lease: InstanceLeaseRecord): Promise<boolean> {
    const result = await this.leases.deleteOne({ _id: lease._id, expiresAt: lease.expiresAt }).exec();
    return result.deletedCount === 1;
  }

  /** Puts back a claimed lease whose sessions were not all ended, so the next sweep finishes the work. */
  async restore(lease: InstanceLeaseRecord): Promise<void> {
    const { _id, ...fields } = lease;
    await this.leases.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true }).exec();
  }

  async release(instanceId: string): Promise<void> {
    await this.leases.deleteOne({ _id: instanceId }).exec();
  }
}
