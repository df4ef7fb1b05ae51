import { Module } from '@nestjs/common';

/** A user's contacts: one document per (owner, contact) pair. */
@Module({})
export class ContactsModule {}
