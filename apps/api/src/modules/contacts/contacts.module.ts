import { forwardRef, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersModule } from '../users/users.module';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { ContactsService } from './contacts.service';
import { Contact, ContactSchema } from './schemas/contact.schema';

/**
 * A user's contacts: one document per (owner, contact) pair. User data comes from UsersService.
 * forwardRef: UsersModule imports this module back for the `isContact` flag of user search.
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: Contact.name, schema: ContactSchema }]), forwardRef(() => UsersModule)],
  controllers: [ContactsController],
  providers: [ContactsRepository, ContactsService],
  exports: [ContactsService],
})
export class ContactsModule {}
