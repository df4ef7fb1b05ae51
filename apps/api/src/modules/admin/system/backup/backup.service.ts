import { Inject, Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection } from 'mongoose';
import { APP_CONFIG, AppConfig } from '../../../../core/config/app-config';
import { ArchiveResult, writeArchive } from './backup-archive';

/** `POST /api/admin/system/backup`: one archive of the whole database under BACKUP_DIR (backup-archive.ts). */
@Injectable()
export class BackupService {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  backup(): Promise<ArchiveResult> {
    const db = this.connection.db;
    if (!db) throw new Error('The database connection is not open');
    return writeArchive(db, this.config.backupDir);
  }
}
