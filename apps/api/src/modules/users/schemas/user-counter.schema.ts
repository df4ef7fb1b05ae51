import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** The one counter of this collection: accounts whose role is `admin` and whose status is `active`. */
export const ACTIVE_ADMINS_ID = 'active-admins';

/**
 * Counts over the users collection that a rule must check and change in one atomic write (there
 * are no multi-document transactions on the embedded database): `n` changes only by conditional
 * `$inc` on `_id` (docs/architecture.md, "Admin — users").
 */
@Schema({ collection: 'user_counters', versionKey: false })
export class UserCounter {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: Number, required: true })
  n!: number;
}

export const UserCounterSchema = SchemaFactory.createForClass(UserCounter);
