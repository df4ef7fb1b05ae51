import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/**
 * Warnings and errors of the app's logger (core/logging/log-store-sink.ts), newest kept: the
 * collection is trimmed by count (FerretDB has no capped collections), see LogStoreRepository.
 */
@Schema({ collection: 'system_logs', versionKey: false })
export class SystemLog {
  @Prop({ type: Date, required: true }) time!: Date;
  @Prop({ type: String, required: true }) level!: string;
  @Prop({ type: String, required: true }) message!: string;
  @Prop({ type: String }) context?: string;
  @Prop({ type: String }) requestId?: string;
  @Prop({ type: MongooseSchema.Types.Mixed }) details?: Record<string, unknown>;
}

export const SystemLogSchema = SchemaFactory.createForClass(SystemLog);
/** The log pages, newest first, `_id` breaking ties, as LogStoreRepository sorts them: MongoDB sorts nothing in memory. */
SystemLogSchema.index({ time: -1, _id: -1 }, { name: 'time_id' });
SystemLogSchema.index({ level: 1, time: -1, _id: -1 }, { name: 'level_time_id' });

/** One admin write (audit/audit.interceptor.ts): who, what, target, changes, when, from where, outcome. */
@Schema({ collection: 'audit_logs', versionKey: false })
export class AuditLog {
  @Prop({ type: Date, required: true }) time!: Date;
  /** Short name: `<slice>.<handler>`, e.g. `users.suspend`. */
  @Prop({ type: String, required: true }) action!: string;
  @Prop({ type: String, required: true }) method!: string;
  /** The route pattern, e.g. `/api/admin/users/:userId`. */
  @Prop({ type: String, required: true }) route!: string;
  /** The path parameters: what the action was done to. */
  @Prop({ type: MongooseSchema.Types.Mixed, required: true }) target!: Record<string, string>;
  @Prop({ type: MongooseSchema.Types.Mixed, required: true }) actor!: { id: string; role: string };
  @Prop({ type: String, required: true }) ip!: string;
  @Prop({ type: String, required: true }) requestId!: string;
  @Prop({ type: Number, required: true }) status!: number;
  /** The request's body and query, secrets redacted. */
  @Prop({ type: MongooseSchema.Types.Mixed }) input?: Record<string, unknown>;
  /** Before and after, when the handler reported them (AuditNote), secrets redacted. */
  @Prop({ type: MongooseSchema.Types.Mixed }) changes?: { before?: unknown; after?: unknown };
}

export type AuditRecord = AuditLog;
export const AuditLogSchema = SchemaFactory.createForClass(AuditLog);
AuditLogSchema.index({ time: -1, _id: -1 }, { name: 'time_id' });
