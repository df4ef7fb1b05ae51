import { Module } from '@nestjs/common';

/** Admin calls: see docs/architecture.md, "Admin". */
@Module({})
export class AdminCallsModule {}
