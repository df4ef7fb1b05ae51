import { Module } from '@nestjs/common';

/** Admin system: see docs/architecture.md, "Admin". */
@Module({})
export class AdminSystemModule {}
