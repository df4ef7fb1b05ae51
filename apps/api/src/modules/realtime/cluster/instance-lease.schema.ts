import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * An app process's lease on its sockets: renewed every few seconds while it runs, removed when it
 * shuts down cleanly. One past `expiresAt` belongs to a process that died without cleaning up; the
 * sessions it held (`live_sessions.instanceId`) are then ended by another instance.
 */
@Schema({ collection: 'realtime_instances', versionKey: false })
export class RealtimeInstance {
  /** A random id the process drew at start (a restarted process is a new instance). */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: Date, required: true })
  renewedAt!: Date;

  @Prop({ type: Date, required: true })
  expiresAt!: Date;
}

export type InstanceLeaseRecord = RealtimeInstance;
export const InstanceLeaseSchema = SchemaFactory.createForClass(RealtimeInstance);
