import { randomBytes } from 'node:crypto';
import { callAction, getCall, makeCall } from '../factories/calls';
import { makeUser } from '../factories/users';
import { decodeAgoraToken } from '../support/agora-token';
import { useTestApp } from '../support/app';

const APP_ID = randomBytes(16).toString('hex');
const CERTIFICATE = randomBytes(16).toString('hex');
const TTL = 1800;
/** RTC privileges: join channel, publish audio, publish video, publish data. */
const PUBLISHER = [1, 2, 3, 4];

describe('calls: Agora RTC tokens, checked without the token builder', () => {
  const t = useTestApp({
    env: { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERTIFICATE, AGORA_TOKEN_TTL: String(TTL) },
  });

  function expectValidToken(
    credentials: { token: string; uid: number; channelName: string; expiry: string },
    channelName: string,
  ) {
    const before = Math.floor(Date.now() / 1000);
    const decoded = decodeAgoraToken(credentials.token);
    expect(decoded.appId).toBe(APP_ID);
    expect(decoded.rtc.channelName).toBe(channelName);
    expect(credentials.channelName).toBe(channelName);
    expect(decoded.rtc.uid).toBe(String(credentials.uid));
    expect(Object.keys(decoded.rtc.privileges).map(Number).sort()).toEqual(PUBLISHER);
    for (const seconds of Object.values(decoded.rtc.privileges)) expect(seconds).toBe(TTL);
    expect(decoded.expire).toBe(TTL);
    expect(Math.abs(decoded.issueTs - before)).toBeLessThanOrEqual(5);
    expect(Math.abs(Date.parse(credentials.expiry) / 1000 - (decoded.issueTs + TTL))).toBeLessThanOrEqual(2);
    expect(decoded.signedWith(CERTIFICATE)).toBe(true);
    expect(decoded.signedWith(randomBytes(16).toString('hex'))).toBe(false);
    return decoded;
  }

  it('gives the host a token for the call channel, its uid, publisher rights and the configured expiry', async () => {
    const host = await makeUser(t);
    const call = await makeCall(t, host);
    expect(call.agoraConfig).toMatchObject({ appId: APP_ID, channelName: call.channelName });
    expectValidToken(call.agoraConfig, call.channelName);
  });

  it('gives each joiner a token for its own uid, and the same uid again on a fresh token', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host);
    const joined = await callAction(t, guest, call.id, 'join');
    expect(joined.status).toBe(200);
    const first = expectValidToken(joined.body.data.agoraToken, call.channelName);
    expect(first.rtc.uid).not.toBe(String(call.agoraConfig.uid));

    const fresh = await getCall(t, guest, `${call.id}/token`);
    expect(fresh.status).toBe(200);
    const second = expectValidToken(fresh.body.data.agoraToken, call.channelName);
    expect(second.rtc.uid).toBe(first.rtc.uid);
    expect(second.salt === first.salt && second.issueTs === first.issueTs).toBe(false);
  });

  it('keeps the uid when a participant leaves and rejoins', async () => {
    const host = await makeUser(t);
    const guest = await makeUser(t);
    const call = await makeCall(t, host);
    const first = await callAction(t, guest, call.id, 'join');
    await callAction(t, guest, call.id, 'leave');
    const again = await callAction(t, guest, call.id, 'join');
    expect(again.status).toBe(200);
    expect(again.body.data.agoraToken.uid).toBe(first.body.data.agoraToken.uid);
    expectValidToken(again.body.data.agoraToken, call.channelName);
  });
});
