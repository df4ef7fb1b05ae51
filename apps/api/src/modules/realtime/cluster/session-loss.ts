import { Injectable } from '@nestjs/common';
import { LiveSessionRecord } from '../../users';

/**
 * A session ended without its socket's disconnect handler: its instance died. `online`: the user
 * is connected again elsewhere already (the session was replaced), so only its call rooms count.
 * `since`: when the socket was last known alive, where the reconnect grace starts.
 */
export interface LostSession {
  session: LiveSessionRecord;
  since: Date;
  online: boolean;
}

export type LostSessionListener = (lost: LostSession) => Promise<void>;

/**
 * Where the parts of the gateway hear of sessions lost with an instance, so each does what its own
 * disconnect handler would have done (presence: `user-offline`; rooms: absences and `user-left`)
 * without the cluster code reaching into them.
 */
@Injectable()
export class SessionLoss {
  private readonly listeners: LostSessionListener[] = [];

  listen(listener: LostSessionListener): void {
    this.listeners.push(listener);
  }

  async lost(lost: LostSession): Promise<void> {
    await Promise.all(this.listeners.map((listener) => listener(lost)));
  }
}
