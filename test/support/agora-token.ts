import { createHmac } from 'node:crypto';
import { inflateSync } from 'node:zlib';

/**
 * Reads an Agora "007" access token without the agora-token package: "007" + base64 of the
 * zlib-compressed bytes `signature (uint16 length + bytes) | signing info`, where the signing
 * info is `appId (string) | issueTs u32 | expire u32 | salt u32 | service count u16 | services`;
 * an RTC service (type 1) is `type u16 | privileges (u16 count, then u16 key + u32 value) |
 * channel (string) | uid (string)`. Little-endian; strings are u16 length + bytes.
 * The signature is HMAC-SHA256(key = HMAC(salt, HMAC(issueTs, certificate)), signing info).
 */
export interface DecodedAgoraToken {
  appId: string;
  issueTs: number;
  /** Seconds after issueTs the token stays valid. */
  expire: number;
  salt: number;
  rtc: { channelName: string; uid: string; privileges: Record<number, number> };
  /** Whether the signature is right for `certificate`. */
  signedWith(certificate: string): boolean;
}

class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}
  u16(): number {
    const value = this.buffer.readUInt16LE(this.offset);
    this.offset += 2;
    return value;
  }
  u32(): number {
    const value = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }
  bytes(): Buffer {
    const length = this.u16();
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  string(): string {
    return this.bytes().toString('utf8');
  }
  rest(): Buffer {
    return this.buffer.subarray(this.offset);
  }
}

const hmac = (key: Buffer | string, message: Buffer | string) => createHmac('sha256', key).update(message).digest();
const u32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
};

export function decodeAgoraToken(token: string): DecodedAgoraToken {
  if (!token.startsWith('007')) throw new Error(`not a 007 token: ${token.slice(0, 3)}`);
  const content = inflateSync(Buffer.from(token.slice(3), 'base64'));
  const outer = new Reader(content);
  const signature = outer.bytes();
  const signingInfo = outer.rest();

  const info = new Reader(signingInfo);
  const appId = info.string();
  const issueTs = info.u32();
  const expire = info.u32();
  const salt = info.u32();
  const services = info.u16();
  let rtc: DecodedAgoraToken['rtc'] | undefined;
  for (let i = 0; i < services; i++) {
    const type = info.u16();
    const privileges: Record<number, number> = {};
    const count = info.u16();
    for (let p = 0; p < count; p++) privileges[info.u16()] = info.u32();
    if (type !== 1) throw new Error(`unexpected service type ${type}`);
    rtc = { privileges, channelName: info.string(), uid: info.string() };
  }
  if (!rtc) throw new Error('no RTC service in the token');
  return {
    appId,
    issueTs,
    expire,
    salt,
    rtc,
    signedWith: (certificate) => {
      const key = hmac(u32(salt), hmac(u32(issueTs), certificate));
      return hmac(key, signingInfo).equals(signature);
    },
  };
}
