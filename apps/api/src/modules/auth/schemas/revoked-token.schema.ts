import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** A JWT revoked by logout, kept until it would have expired anyway. `_id` is the token's `jti`. */
@Schema({ collection: 'revoked_tokens', versionKey: false })
export class RevokedToken {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  userId!: string;

  @Prop({ required: true })
  expiresAt!: Date;
}

export const RevokedTokenSchema = SchemaFactory.createForClass(RevokedToken);
RevokedTokenSchema.index({ expiresAt: 1 });
