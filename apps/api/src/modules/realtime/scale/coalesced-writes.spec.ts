import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import { coalesceWrites } from './coalesced-writes';

/** An engine.io socket as far as coalesceWrites sees it: a flush on its prototype, a WebSocket transport. */
class FakeEngineSocket {
  static log: string[] = [];
  readonly raw = {
    destroyed: false,
    corked: 0,
    cork: () => (this.raw.corked += 1),
    uncork: () => (this.raw.corked -= 1),
  };
  readonly transport = { name: 'websocket', socket: { _socket: this.raw } };
  failure?: Error;
  constructor(readonly id: string) {}
  flush(): void {
    if (this.failure) throw this.failure;
    FakeEngineSocket.log.push(`${this.id} flushed${this.raw.corked > 0 ? ' corked' : ''}`);
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('coalesceWrites', () => {
  let engine: EventEmitter;
  let log: { error: jest.Mock };
  let flushNow: () => void;
  const connect = (id: string) => {
    const socket = new FakeEngineSocket(id);
    engine.emit('connection', socket);
    return socket;
  };

  beforeEach(() => {
    FakeEngineSocket.log = [];
    engine = new EventEmitter();
    log = { error: jest.fn() };
    flushNow = coalesceWrites({ engine } as unknown as Server, log as unknown as Logger);
  });

  it('flushes each socket once at the end of the turn, with its TCP socket corked', async () => {
    const a = connect('a');
    const b = connect('b');
    a.flush();
    b.flush();
    a.flush();
    expect(FakeEngineSocket.log).toEqual([]);
    await turn();
    expect(FakeEngineSocket.log).toEqual(['a flushed corked', 'b flushed corked']);
    expect(a.raw.corked).toBe(0);
    expect(b.raw.corked).toBe(0);
  });

  it('flushes again in a later turn, and does not cork a destroyed socket or a polling transport', async () => {
    const a = connect('a');
    const b = connect('b');
    a.flush();
    await turn();
    a.raw.destroyed = true;
    b.transport.name = 'polling';
    a.flush();
    b.flush();
    await turn();
    expect(FakeEngineSocket.log).toEqual(['a flushed corked', 'a flushed', 'b flushed']);
  });

  it('ends only the connection whose write throws, uncorked, and still writes the others', async () => {
    const a = connect('a');
    const b = connect('b');
    const ended = jest.fn();
    Object.assign(a, { onError: ended });
    a.failure = new Error('write failed');
    a.flush();
    b.flush();
    await turn();
    expect(ended).toHaveBeenCalledWith('write error', new Error('write failed'));
    expect(log.error).toHaveBeenCalledTimes(1);
    expect(a.raw.corked).toBe(0);
    expect(FakeEngineSocket.log).toEqual(['b flushed corked']);
  });

  it('writes what waits at once when asked (before the connections close), and not again at the end of the turn', async () => {
    const a = connect('a');
    a.flush();
    flushNow();
    expect(FakeEngineSocket.log).toEqual(['a flushed corked']);
    await turn();
    expect(FakeEngineSocket.log).toEqual(['a flushed corked']);
  });
});
