import { Module } from '@nestjs/common';

/** Outgoing mail (verification and password-reset links). */
@Module({})
export class MailModule {}
