import { Module } from '@nestjs/common';

/** Admin users: see docs/architecture.md, "Admin". */
@Module({})
export class AdminUsersModule {}
