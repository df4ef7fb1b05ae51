/**
 * The load generator: socket.io-client sockets on 127.0.0.1, one per user, each in its call's
 * room, sending ≈ 600-byte `webrtc-signal` offers to its three partners in turn (one delivery per
 * message). Sender and receiver live in this process, so latency is read from one clock.
 */
import { performance } from 'node:perf_hooks';
import { io, Socket } from 'socket.io-client';
import { BenchUser } from './seed';

/** ≈ 600 bytes of SDP-like text. */
const SDP =
  `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${'a=candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host\r\n'.repeat(9)}`.slice(
    0,
    600,
  );

interface Ack {
  success: boolean;
  errorCode?: string;
  message?: string;
}

export interface Client {
  user: BenchUser;
  socket: Socket;
  next: number;
}

interface Signal {
  signal: { sdp: string; sentAt: number };
}

/** Receiver-side tally: deliveries and, while `record` is on, their latencies. */
export class Tally {
  delivered = 0;
  /** Latencies are kept for signals sent within [from, to). */
  from = Infinity;
  to = Infinity;
  latencies: number[] = [];
  onSignal = (message: Signal): void => {
    this.delivered += 1;
    const sentAt = message.signal.sentAt;
    if (sentAt >= this.from && sentAt < this.to) this.latencies.push(performance.now() - sentAt);
  };
}

function connect(url: string, user: BenchUser, tally: Tally, bare: boolean): Promise<Socket> {
  const auth = bare ? { userId: user.id } : { token: user.token };
  const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  socket.on('webrtc-signal', tally.onSignal);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(new Error(`connect ${user.id}: ${error.message}`)));
  });
}

/** Connects every user (`parallel` handshakes at a time); joins its call room when it has one. */
export async function connectAll(
  url: string,
  users: BenchUser[],
  tally: Tally,
  bare: boolean,
  parallel = 10,
): Promise<Client[]> {
  const clients: Client[] = new Array<Client>(users.length);
  let cursor = 0;
  const worker = async () => {
    while (cursor < users.length) {
      const index = cursor++;
      const user = users[index];
      const socket = await connect(url, user, tally, bare);
      if (user.callId) {
        const ack = (await socket.timeout(120_000).emitWithAck('join-room', { roomId: user.callId })) as Ack;
        if (!ack.success) throw new Error(`join-room failed: ${ack.errorCode} ${ack.message}`);
      }
      clients[index] = { user, socket, next: 0 };
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return clients;
}

export function disconnectAll(clients: Client[]): void {
  for (const client of clients) client.socket.disconnect();
}

function send(client: Client, ack?: (answer: Ack) => void): void {
  const partners = client.user.partners ?? [];
  const targetUserId = partners[client.next % partners.length];
  client.next += 1;
  const body = { targetUserId, signal: { sdp: SDP, sentAt: performance.now() }, type: 'offer' };
  if (ack) client.socket.emit('webrtc-signal', body, ack);
  else client.socket.emit('webrtc-signal', body);
}

/** Closed loop: every client sends its next signal as soon as the previous one is acknowledged. */
export async function saturation(clients: Client[], tally: Tally, windowMs: number): Promise<number> {
  let running = true;
  let failures = 0;
  const loop = (client: Client) => {
    if (!running) return;
    send(client, (answer) => {
      if (!answer.success) failures += 1;
      loop(client);
    });
  };
  clients.forEach(loop);
  await sleepMs(1000); // warm-up
  const before = tally.delivered;
  const started = performance.now();
  await sleepMs(windowMs);
  const rate = ((tally.delivered - before) * 1000) / (performance.now() - started);
  running = false;
  await sleepMs(1500); // let the in-flight signals drain before the next measurement
  if (failures > 0) throw new Error(`${failures} signals refused during saturation`);
  return rate;
}

/**
 * Open loop at `rate` signals per second across the clients; latencies of the signals sent in the
 * window, waiting (up to 60 s) until every signal sent has arrived, so a backlog does not spill
 * into the next measurement.
 */
export async function fixedLoad(clients: Client[], tally: Tally, rate: number, windowMs: number): Promise<number[]> {
  const tickMs = 5;
  const deliveredBefore = tally.delivered;
  let sent = 0;
  let owed = 0;
  let index = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    owed += ((now - last) * rate) / 1000;
    last = now;
    for (; owed >= 1; owed -= 1, sent += 1) send(clients[index++ % clients.length]);
  }, tickMs);
  await sleepMs(1000); // warm-up
  tally.latencies = [];
  tally.from = performance.now();
  tally.to = Infinity;
  await sleepMs(windowMs);
  tally.to = performance.now();
  clearInterval(timer);
  const deadline = performance.now() + 60_000;
  while (tally.delivered - deliveredBefore < sent && performance.now() < deadline) await sleepMs(100);
  await sleepMs(500);
  tally.from = Infinity;
  return tally.latencies;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
