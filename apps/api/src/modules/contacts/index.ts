/** The contacts module's public surface. */
export { ContactsModule } from './contacts.module';
export { ContactsService } from './contacts.service';
export type { ContactRelations } from './contact-relations';
