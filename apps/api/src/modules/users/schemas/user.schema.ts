import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument, Types } from 'mongoose';
import { ACCOUNT_STATUS, AccountStatus, PRESENCE, Presence, Role, ROLE_VALUES } from '@app/common';

/** The vocabulary lives in @app/common (declared once); re-exported for this module's readers. */
export { PRESENCE, ACCOUNT_STATUS };
export type { Presence, AccountStatus };

export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

@Schema({ _id: false })
export class Subscription {
  @Prop({ type: String, enum: PLANS, default: 'free' })
  plan!: Plan;
}

@Schema({ collection: 'users', timestamps: true, minimize: false })
export class User {
  @Prop({ required: true, trim: true, maxlength: 50 })
  firstName!: string;

  @Prop({ required: true, trim: true, maxlength: 50 })
  lastName!: string;

  /** Stored lower-cased: equality without collation (the embedded database has none). */
  @Prop({ required: true, unique: true, lowercase: true, trim: true })
  email!: string;

  /** bcrypt, 12 rounds. Never selected unless asked for, never mapped into a response. */
  @Prop({ required: true, select: false })
  passwordHash!: string;

  @Prop({ type: String, default: null })
  phoneNumber!: string | null;

  @Prop({ type: String, default: null })
  avatar!: string | null;

  @Prop({ type: String, enum: ROLE_VALUES, default: 'user' })
  role!: Role;

  @Prop({ type: String, enum: ACCOUNT_STATUS, default: 'active' })
  accountStatus!: AccountStatus;

  /**
   * The status the user chose (`online` until they choose another); others see it only while the
   * user has a live socket (UserConnections), `offline` otherwise.
   */
  @Prop({ type: String, enum: PRESENCE, default: 'online' })
  presence!: Presence;

  @Prop({ type: Date, default: null })
  lastSeenAt!: Date | null;

  @Prop({ default: false })
  isEmailVerified!: boolean;

  @Prop({ type: Object, default: () => ({}) })
  preferences!: Record<string, unknown>;

  @Prop({ type: Subscription, default: () => ({ plan: 'free' }) })
  subscription!: Subscription;

  /** Why staff suspended the account (null when active, or suspended without a reason). */
  @Prop({ type: String, default: null })
  suspensionReason!: string | null;

  @Prop({ type: Date, default: null })
  suspendedAt!: Date | null;

  /** When staff deleted (anonymised) the account. */
  @Prop({ type: Date, default: null })
  deletedAt!: Date | null;

  /** Bumped by a password change or reset: every token carrying an older version stops working. */
  @Prop({ default: 0 })
  tokenVersion!: number;

  createdAt!: Date;
  updatedAt!: Date;
}

export type UserDocument = HydratedDocument<User>;
/** A user as the repository returns it: a plain object. */
export type UserRecord = User & { _id: Types.ObjectId };
export const UserSchema = SchemaFactory.createForClass(User);
/**
 * The user search (active accounts by name, in name order): MongoDB walks it in the answer's order
 * and matches the name patterns on the index keys, stopping at the page's limit, instead of
 * reading and sorting every account. The embedded database uses `_id` alone and scans.
 */
UserSchema.index({ accountStatus: 1, firstName: 1, lastName: 1, _id: 1 }, { name: 'status_name' });
