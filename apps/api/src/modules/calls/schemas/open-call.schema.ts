import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * The register of open calls: one document per call that has not ended (`scheduled` or `active`),
 * whose `_id` is the call's. Housekeeping reads this small collection and then the calls by `_id`
 * (the one indexed path on the embedded database) instead of querying `calls` by status, which on
 * the embedded database reads every call ever made. An entry is written before its call is
 * created and removed after the call has ended, so a crash between the two writes leaves an extra
 * entry (dropped by the next sweep), never a missing one. Calls stored without an entry (before the
 * register existed) are entered by the first sweep of each process.
 */
@Schema({ collection: 'open_calls', versionKey: false })
export class OpenCall {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: Date, required: true })
  openedAt!: Date;
}

export const OpenCallSchema = SchemaFactory.createForClass(OpenCall);
