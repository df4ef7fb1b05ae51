/** The mail module's public surface. */
export { MailModule } from './mail.module';
export { MailService } from './mail.service';
export type { MailLinkKind, MailStats, MailTransportKind } from './mail.service';
export { passwordResetMail, verificationMail } from './mail.templates';
