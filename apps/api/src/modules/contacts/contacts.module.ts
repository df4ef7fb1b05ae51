import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersModule } from '../users';
import { ContactsOfDeletedUsers } from './contacts-of-deleted-users';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { ContactsService } from './contacts.service';
import { PeopleSearchController } from './people-search.controller';
import { Contact, ContactSchema } from './schemas/contact.schema';

/**
 * A user's contacts: one document per (owner, contact) pair, and user search (which needs the
 * contact lists for `isContact` and the email rule). User data comes from UsersService; the
 * users module knows nothing of contacts.
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: Contact.name, schema: ContactSchema }]), UsersModule],
  controllers: [ContactsController, PeopleSearchController],
  providers: [ContactsRepository, ContactsService, ContactsOfDeletedUsers],
  exports: [ContactsService],
})
export class ContactsModule {}
