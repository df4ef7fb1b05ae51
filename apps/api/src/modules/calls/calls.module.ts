import { Module } from '@nestjs/common';

/** Calls: lifecycle, invitations, participants, media state, chat and Agora RTC tokens. */
@Module({})
export class CallsModule {}
