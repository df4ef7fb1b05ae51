import { Module } from '@nestjs/common';
import { CallsModule } from '../../calls';
import { AdminCallsController } from './admin-calls.controller';
import { AdminCallsService } from './admin-calls.service';

/** Admin calls: list, details, end, participants, kick. See docs/architecture.md, "Admin — calls". */
@Module({
  imports: [CallsModule],
  controllers: [AdminCallsController],
  providers: [AdminCallsService],
})
export class AdminCallsModule {}
