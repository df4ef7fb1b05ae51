import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * One document per (owner, contact) pair: "owner has contact in their list". One-directional:
 * B appears in A's list when A adds B; A does not appear in B's list until B adds A.
 */
@Schema({ collection: 'contacts', timestamps: { createdAt: true, updatedAt: false } })
export class Contact {
  @Prop({ type: Types.ObjectId, required: true })
  ownerId!: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  contactId!: Types.ObjectId;

  createdAt!: Date;
}

export type ContactRecord = Contact & { _id: Types.ObjectId };
export const ContactSchema = SchemaFactory.createForClass(Contact);
/** The pair is unique: concurrent adds of the same contact leave one document, the others get 11000. */
ContactSchema.index({ ownerId: 1, contactId: 1 }, { unique: true, name: 'owner_contact_unique' });
/**
 * The list, newest first, `_id` breaking ties: MongoDB pages it without sorting in memory (the
 * embedded database filters and sorts in memory).
 */
ContactSchema.index({ ownerId: 1, createdAt: -1, _id: -1 }, { name: 'owner_created_id' });
/**
 * The lists that contain a user (presence fan-out on every connect and disconnect, account
 * deletion): without it MongoDB reads every contact entry each time.
 */
ContactSchema.index({ contactId: 1, ownerId: 1 }, { name: 'contact_owner' });
