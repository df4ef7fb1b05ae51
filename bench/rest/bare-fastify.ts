/**
 * Baseline of the health scenario: a bare Fastify route, nothing registered around it (no helmet,
 * CORS, request ids, envelope, metrics or guards), answering `GET /api/health/live` with the body
 * the product answered, byte for byte (`BODY`), so the ratio measures what the product adds around
 * the same response. Listens on 127.0.0.1:$PORT; started by main.ts as its own process.
 */
import Fastify from 'fastify';

const body = process.env.BODY ?? '{}';
const app = Fastify({ logger: false });

app.get('/api/health/live', (_request, reply) => {
  void reply.header('content-type', 'application/json; charset=utf-8').send(body);
});

app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
