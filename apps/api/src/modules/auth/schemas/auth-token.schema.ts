import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export const AUTH_TOKEN_PURPOSES = ['verify-email', 'reset-password'] as const;
export type AuthTokenPurpose = (typeof AUTH_TOKEN_PURPOSES)[number];

/**
 * A single-use email link token. Only the SHA-256 hash of the token is stored, as `_id`, so a
 * lookup is by `_id` (the one lookup the embedded database pushes down) and a database leak
 * reveals no usable link. No `select: false` fields: the consuming findOneAndUpdate must not
 * send a projection (FerretDB v1 refuses findAndModify projections).
 */
@Schema({ collection: 'auth_tokens', versionKey: false })
export class AuthToken {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  userId!: string;

  @Prop({ type: String, enum: AUTH_TOKEN_PURPOSES, required: true })
  purpose!: AuthTokenPurpose;

  @Prop({ type: Date, required: true })
  expiresAt!: Date;

  @Prop({ type: Date, default: null })
  usedAt!: Date | null;

  @Prop({ type: Date, default: () => new Date() })
  createdAt!: Date;
}

export const AuthTokenSchema = SchemaFactory.createForClass(AuthToken);
AuthTokenSchema.index({ userId: 1, purpose: 1 });
AuthTokenSchema.index({ expiresAt: 1 });
