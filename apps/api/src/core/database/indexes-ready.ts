import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Connection } from 'mongoose';

/**
 * Waits, before the app serves, until every model's indexes exist. Unique indexes are how the
 * API keeps one account per email, one contact per pair, one participant per call and user:
 * a request served before they exist could insert duplicates.
 */
@Injectable()
export class IndexesReady implements OnApplicationBootstrap {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(Object.values(this.connection.models).map((model) => model.init()));
  }
}
