import { ValidationPipe } from '@nestjs/common';
import fc from 'fast-check';
import { VALIDATION_OPTIONS } from '@app/common';
import { WebrtcSignalDto } from './dto/rooms.dto';
import { fitsInJson, isPlainSignal } from './signal-relay';

const pipe = new ValidationPipe(VALIDATION_OPTIONS);
const dtoAccepts = (body: unknown) =>
  pipe.transform(body, { type: 'body', metatype: WebrtcSignalDto }).then(
    () => true,
    () => false,
  );

const USER = '5f1d7c2e9a3b4c5d6e7f8a9b';
const valid = { targetUserId: USER, signal: { sdp: 'v=0' }, type: 'offer' };

/** A small seeded generator (mulberry32), so the sampled bodies are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES: unknown[] = [
  USER,
  USER.toUpperCase(),
  `${USER}0`,
  USER.slice(1),
  'zz1d7c2e9a3b4c5d6e7f8a9b',
  '',
  'offer',
  'answer',
  'ice-candidate',
  'Offer',
  'hello',
  0,
  1,
  true,
  null,
  undefined,
  {},
  [],
  { sdp: 'v=0' },
  ['offer'],
  { $ne: null },
];
/** Each field with the value a client would send, or else any of VALUES; extra keys now and then. */
const FIELDS: [string, unknown, number][] = [
  ['targetUserId', USER, 0.9],
  ['signal', { sdp: 'v=0' }, 0.9],
  ['type', 'answer', 0.9],
  ['roomId', 'r', 0.05],
  ['__proto__', {}, 0.05],
  ['constructor', {}, 0.05],
];

function sampleBody(next: () => number): unknown {
  const body: Record<string, unknown> = {};
  for (const [key, usual, present] of FIELDS) {
    if (next() < present) {
      Object.defineProperty(body, key, {
        value: next() < 0.6 ? usual : VALUES[Math.floor(next() * VALUES.length)],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return body;
}

describe('isPlainSignal (the relay’s quick check of a webrtc-signal body)', () => {
  it('recognises the bodies clients send, so they skip the full validation', () => {
    for (const type of ['offer', 'answer', 'ice-candidate']) {
      expect(isPlainSignal({ ...valid, type })).toBe(true);
    }
    expect(isPlainSignal({ ...valid, signal: 'candidate:1 1 UDP 2122252543 192.0.2.1 54400 typ host' })).toBe(true);
    expect(isPlainSignal({ ...valid, targetUserId: USER.toUpperCase() })).toBe(true);
    // Not what JSON parses to: left to the full validation.
    expect(isPlainSignal(Object.assign(Object.create({ inherited: 1 }) as object, valid))).toBe(false);
  });

  it.each([
    ['a missing field', { targetUserId: USER, type: 'offer' }],
    ['a null signal', { ...valid, signal: null }],
    ['an unknown type', { ...valid, type: 'hello' }],
    ['a short user id', { ...valid, targetUserId: USER.slice(2) }],
    ['an extra field', { ...valid, roomId: 'r' }],
    ['an operator as the id', { ...valid, targetUserId: { $ne: null } }],
    ['an array', [valid]],
    ['a string', JSON.stringify(valid)],
    ['nothing', undefined],
  ])('leaves %s to the full validation, which refuses it', async (_name, body) => {
    expect(isPlainSignal(body)).toBe(false);
    await expect(dtoAccepts(body)).resolves.toBe(false);
  });

  it('accepts nothing the DTO refuses (2,000 sampled bodies, fixed seed)', async () => {
    const next = random(20261202);
    let recognised = 0;
    for (let i = 0; i < 2000; i += 1) {
      const body = sampleBody(next);
      if (!isPlainSignal(body)) continue;
      recognised += 1;
      await expect(dtoAccepts(body)).resolves.toBe(true);
    }
    // The sample must reach the accepting side, or the check above proves nothing.
    expect(recognised).toBeGreaterThan(50);
  });
});

describe('fitsInJson (the relay’s size limit of a signal)', () => {
  const exact = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');

  it('says what measuring the JSON says, for any JSON value and limit (fixed seed)', () => {
    const values = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', maxLength: 200 })),
      fc.array(fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.boolean())),
    );
    fc.assert(
      fc.property(values, fc.nat({ max: 4000 }), (value, limit) => {
        expect(fitsInJson(value, limit)).toBe(exact(value) <= limit);
      }),
      { seed: 20261203, numRuns: 3000 },
    );
  });

  it('measures around the limit exactly: escapes, multi-byte characters, binary data', () => {
    const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n'.repeat(20);
    for (const value of [
      { sdp },
      { sdp: 'é€😀\u0001"\\'.repeat(50) },
      { data: Buffer.alloc(300) },
      [undefined, () => 1],
    ]) {
      const size = exact(value);
      expect(fitsInJson(value, size)).toBe(true);
      expect(fitsInJson(value, size - 1)).toBe(false);
    }
  });
});
