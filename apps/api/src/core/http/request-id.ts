import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** An `X-Request-Id` from the client is kept when it is short and plain (no log injection). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the client's X-Request-Id when it is well-formed, else a new UUID. */
export function requestIdFor(req: Pick<IncomingMessage, 'headers'>): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}
