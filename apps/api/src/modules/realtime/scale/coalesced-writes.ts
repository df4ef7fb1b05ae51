import type { Socket as NetSocket } from 'node:net';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';

/** The parts of an engine.io socket used here (engine.io 6). */
interface EngineSocket {
  flush: (this: EngineSocket) => void;
  /** Closes the connection with a reason (engine.io's handler of transport errors). */
  onError?: (message: string, description?: unknown) => void;
  transport?: { name?: string; socket?: { _socket?: NetSocket } };
}

/**
 * Every packet for a client that one turn of the event loop produces goes out in one write.
 * engine.io writes each packet as soon as it is sent (a WebSocket frame, one `writev` system call
 * each); under load a client gets, in the same turn, the acknowledgement of its own signal and the
 * signals of its partners, and each write also wakes the client's process on its own. Here a
 * socket's flush waits for the end of the turn (`setImmediate`, after the I/O callbacks of the
 * turn), and then its frames are written with the TCP socket corked: one system call for all of
 * them. Order is kept (the packets wait in engine.io's own buffer, in order), and a packet waits at
 * most for the rest of the turn it was sent in. A write that throws ends its own connection only.
 * Returns what writes the waiting packets at once (before the connections are closed).
 */
export function coalesceWrites(server: Server, log: Logger): () => void {
  const due = new Set<EngineSocket>();
  let scheduled = false;
  let flushNow: EngineSocket['flush'] | undefined;
  const flushDue = () => {
    scheduled = false;
    for (const socket of due) {
      due.delete(socket);
      const raw = socket.transport?.name === 'websocket' ? socket.transport.socket?._socket : undefined;
      const cork = raw !== undefined && !raw.destroyed;
      if (cork) raw.cork();
      try {
        flushNow?.call(socket);
      } catch (error) {
        // Thrown here, it would reach no caller: this connection ends, the others are still written.
        log.error({ err: error }, 'a socket write failed; closing that connection');
        socket.onError?.('write error', error);
      } finally {
        if (cork) raw.uncork();
      }
    }
  };
  // One function for every socket (engine.io calls `this.flush()`): nothing made per connection.
  function flushAtEndOfTurn(this: EngineSocket): void {
    due.add(this);
    if (scheduled) return;
    scheduled = true;
    setImmediate(flushDue);
  }
  server.engine.on('connection', (socket: EngineSocket) => {
    flushNow ??= (Object.getPrototypeOf(socket) as EngineSocket).flush;
    socket.flush = flushAtEndOfTurn;
  });
  return flushDue;
}
