/**
 * The baseline: a bare Socket.IO relay of a few lines (no auth, no validation, no database), so
 * the product's signalling figures can be read against what Socket.IO alone costs on this
 * machine. Rooms as the product uses them: one per call, one per user; a signal goes to the
 * target's user room. Listens on 127.0.0.1:$PORT; started by main.ts as its own process.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer((_req, res) => res.writeHead(200).end('ok'));
const io = new Server(http, { maxHttpBufferSize: 100_000 });

io.on('connection', (socket) => {
  const auth = socket.handshake.auth as { userId?: string };
  void socket.join(`user:${auth.userId ?? ''}`);
  socket.on('join-room', (body: { roomId: string }, ack?: (answer: unknown) => void) => {
    void socket.join(body.roomId);
    ack?.({ success: true, data: { roomId: body.roomId } });
  });
  socket.on(
    'webrtc-signal',
    (body: { targetUserId: string; signal: unknown; type: string }, ack?: (answer: unknown) => void) => {
      io.to(`user:${body.targetUserId}`).emit('webrtc-signal', {
        from: auth.userId,
        signal: body.signal,
        type: body.type,
        timestamp: new Date().toISOString(),
      });
      ack?.({ success: true, data: { delivered: true } });
    },
  );
});

http.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
