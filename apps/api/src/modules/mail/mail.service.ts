import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/core.module';
import { MailContent } from './mail.templates';

export type MailTransportKind = 'smtp' | 'outbox';
export type MailLinkKind = 'verify-email' | 'reset-password';

export interface MailStats {
  transport: MailTransportKind;
  sent: number;
  failed: number;
  lastSentAt: string | null;
  lastFailureAt: string | null;
}

export interface OutgoingMail extends MailContent {
  to: string;
  /** The link the mail carries; logged only for outbox files outside production. */
  link: string;
}

/**
 * Sends mail through SMTP when SMTP_URL is set; otherwise writes each mail as an `.eml` file
 * under DATA_DIR/outbox, so development and tests need no mail server. A failure is logged and
 * counted (health `external` shows it), never thrown: no request fails because mail did.
 */
@Injectable()
export class MailService implements OnModuleDestroy {
  readonly transport: MailTransportKind;
  private readonly transporter: Transporter;
  private readonly log: Logger;
  private readonly outboxDir: string;
  private sequence = 0;
  private sent = 0;
  private failed = 0;
  private lastSentAt: Date | null = null;
  private lastFailureAt: Date | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ context: 'MailService' });
    this.outboxDir = join(config.database.dataDir, 'outbox');
    if (config.mail.smtpUrl) {
      this.transport = 'smtp';
      this.transporter = nodemailer.createTransport({
        url: config.mail.smtpUrl,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
      });
    } else {
      this.transport = 'outbox';
      this.transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    }
  }

  onModuleDestroy(): void {
    this.transporter.close();
  }

  /** A link into the web app; the token is the last path segment. */
  link(kind: MailLinkKind, token: string): string {
    return `${this.config.mail.publicUrl.replace(/\/+$/, '')}/auth/${kind}/${token}`;
  }

  /** Sends one mail; resolves to whether it went out. Never rejects. */
  async send(mail: OutgoingMail): Promise<boolean> {
    const message = {
      from: this.config.mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    };
    try {
      const info = (await this.transporter.sendMail(message)) as { message?: Buffer; messageId?: string };
      if (this.transport === 'outbox') {
        const file = await this.writeOutbox(info.message);
        // The link is a credential: shown to the developer, never written to a production log.
        const link = this.config.env === 'production' ? '' : `; link: ${mail.link}`;
        this.log.info(`mail written to ${file}${link}`);
      } else {
        this.log.info({ messageId: info.messageId, subject: mail.subject }, 'mail sent');
      }
      this.sent += 1;
      this.lastSentAt = new Date();
      return true;
    } catch (error) {
      this.failed += 1;
      this.lastFailureAt = new Date();
      // The error of a transport names the server, never the message body, so the token stays out of the log.
      this.log.error(
        { transport: this.transport, subject: mail.subject, error: (error as Error).message },
        'mail could not be sent',
      );
      return false;
    }
  }

  stats(): MailStats {
    return {
      transport: this.transport,
      sent: this.sent,
      failed: this.failed,
      lastSentAt: this.lastSentAt?.toISOString() ?? null,
      lastFailureAt: this.lastFailureAt?.toISOString() ?? null,
    };
  }

  /** Sortable by name: time, then a per-process sequence, then a random part against other processes. */
  private async writeOutbox(message: Buffer | undefined): Promise<string> {
    if (!message) throw new Error('the stream transport returned no message');
    await mkdir(this.outboxDir, { recursive: true, mode: 0o700 });
    this.sequence += 1;
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    const name = `${stamp}-${String(this.sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.eml`;
    const file = join(this.outboxDir, name);
    await writeFile(file, message, { mode: 0o600, flag: 'wx' });
    return file;
  }
}
