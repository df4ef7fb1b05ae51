import { Inject, Injectable } from '@nestjs/common';
import { RtcRole, RtcTokenBuilder } from 'agora-token';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';

/** What a client needs to enter an Agora channel. `token`/`appId` are null without Agora credentials. */
export interface AgoraCredentials {
  token: string | null;
  uid: number;
  channelName: string;
  appId: string | null;
  /** When the token (and its privileges) expire, ISO 8601. */
  expiry: string;
}

/** Agora RTC tokens (AccessToken2, "007"), publisher role, valid for AGORA_TOKEN_TTL seconds. */
@Injectable()
export class AgoraTokenService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  issue(channelName: string, uid: number, now = new Date()): AgoraCredentials {
    const { appId, appCertificate, tokenTtlSeconds } = this.config.agora;
    const expiry = new Date(now.getTime() + tokenTtlSeconds * 1000).toISOString();
    if (!appId || !appCertificate) return { token: null, uid, channelName, appId: null, expiry };
    // Both expiries are relative seconds (agora-token 2.x), not timestamps.
    const token = RtcTokenBuilder.buildTokenWithUid(
      appId,
      appCertificate,
      channelName,
      uid,
      RtcRole.PUBLISHER,
      tokenTtlSeconds,
      tokenTtlSeconds,
    );
    return { token: token || null, uid, channelName, appId, expiry };
  }
}
