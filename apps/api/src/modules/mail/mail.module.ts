import { Global, Module } from '@nestjs/common';
import { MailService } from './mail.service';

/** Outgoing mail (verification and password-reset links); global so any module can send. */
@Global()
@Module({
  providers: [MailService],
  exports: [MailService],
})
export class MailModule {}
