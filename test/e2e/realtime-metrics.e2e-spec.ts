import { makeUser } from '../factories/users';
import { useTestApp } from '../support/app';
import { closeSockets, connectSocket, emitWithAck, listenForSockets, nextEvent } from '../support/sockets';

/** The gateway's figures: Prometheus series on /api/health/metrics and connected sockets in /api/health. */

const t = useTestApp();
let url: string;

beforeAll(async () => {
  url = await listenForSockets(t);
});
afterEach(() => closeSockets());

async function metricsText(): Promise<string> {
  const res = await t.request({ method: 'GET', url: '/api/health/metrics', headers: { accept: 'text/plain' } });
  expect(res.status).toBe(200);
  return res.text;
}

/** The value of one series (`name{labels}` exactly as exposed), or undefined when absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('realtime metrics', () => {
  it('counts connected sockets, rooms, events received and sent by name, and shows relay latency', async () => {
    const before = await metricsText();
    const socket = await connectSocket(url, (await makeUser(t)).token);
    expect(await emitWithAck(socket, 'ping')).toMatchObject({ success: true });
    socket.emit('no-such-event', {});
    await nextEvent(socket, 'error');

    const after = await metricsText();
    expect(valueOf(after, 'socketio_connected_sockets')).toBeGreaterThanOrEqual(1);
    // Its user's room (each socket's own room is not counted).
    expect(valueOf(after, 'socketio_rooms')).toBeGreaterThanOrEqual(1);
    const received = (text: string, event: string) =>
      valueOf(text, `socketio_events_received_total{event="${event}"}`) ?? 0;
    expect(received(after, 'ping') - received(before, 'ping')).toBe(1);
    // An event without a handler is counted under one label, not under its own name.
    expect(received(after, 'unknown') - received(before, 'unknown')).toBe(1);
    expect(after).not.toContain('event="no-such-event"');
    const sent = (text: string) => valueOf(text, 'socketio_events_sent_total{event="error"}') ?? 0;
    expect(sent(after) - sent(before)).toBe(1);
    expect(after).toContain('# TYPE socketio_relay_duration_seconds histogram');
  });

  it('shows the connected sockets in /api/health', async () => {
    const count = async () => {
      const res = await t.request({ method: 'GET', url: '/api/health' });
      return res.body.data.realtime.connectedSockets as number;
    };
    /** The count once the server has handled earlier connects and disconnects (they end asynchronously). */
    const settledAt = async (expected: number) => {
      const deadline = Date.now() + 5_000;
      let seen = await count();
      while (seen !== expected && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        seen = await count();
      }
      return seen;
    };
    // The previous test's sockets were closed by afterEach; the server may not have seen it yet.
    expect(await settledAt(0)).toBe(0);
    await connectSocket(url, (await makeUser(t)).token);
    expect(await settledAt(1)).toBe(1);
  });
});
