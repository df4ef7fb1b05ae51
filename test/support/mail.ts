import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestApp } from './app';

/** A mail as the tests see it: headers, the decoded text and HTML parts, and the link it carries. */
export interface ParsedMail {
  file?: string;
  headers: Record<string, string>;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The first link to /auth/verify-email/… or /auth/reset-password/… in the text part. */
  link?: string;
  /** The link's last path segment. */
  token?: string;
}

function decodeQuotedPrintable(body: string): string {
  const soft = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function splitHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? '' : raw.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** The leaf parts of a MIME message (enough MIME for what nodemailer writes). */
function leafParts(raw: string): { type: string; content: string }[] {
  const { headers, body } = splitHeaders(raw);
  const type = (headers['content-type'] ?? 'text/plain').toLowerCase();
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (!type.startsWith('multipart/') || !boundary) {
    return [{ type: type.split(';')[0].trim(), content: decodeBody(headers, body) }];
  }
  const sections = body.split(`--${boundary}`).slice(1);
  return sections
    .filter((section) => !section.startsWith('--'))
    .flatMap((section) => leafParts(section.replace(/^\r?\n/, '')));
}

const LINK = /https?:\/\/\S+?\/auth\/(?:verify-email|reset-password)\/([A-Za-z0-9_-]+)/;

export function parseMail(raw: string, file?: string): ParsedMail {
  const { headers } = splitHeaders(raw);
  const parts = leafParts(raw);
  const text = parts.find((p) => p.type === 'text/plain')?.content ?? '';
  const html = parts.find((p) => p.type === 'text/html')?.content ?? '';
  const match = LINK.exec(text);
  return {
    file,
    headers,
    to: headers.to ?? '',
    subject: headers.subject ?? '',
    text,
    html,
    link: match?.[0],
    token: match?.[1],
  };
}

export function outboxDir(t: TestApp): string {
  return join(t.config.database.dataDir, 'outbox');
}

/** Every mail in the app's outbox, oldest first (file names sort by time). */
export function outbox(t: TestApp): ParsedMail[] {
  const dir = outboxDir(t);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => parseMail(readFileSync(join(dir, name), 'utf8'), join(dir, name)));
}

export function mailsTo(t: TestApp, email: string): ParsedMail[] {
  return outbox(t).filter((mail) => mail.to.toLowerCase().includes(email.toLowerCase()));
}

/**
 * The newest mail to `email` once at least `count` mails to it exist (mail is sent after the
 * response, so it may take a moment).
 */
export async function waitForMail(
  t: TestApp,
  email: string,
  options: { count?: number; subject?: RegExp; timeoutMs?: number } = {},
): Promise<ParsedMail> {
  const { count = 1, subject, timeoutMs = 10_000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = mailsTo(t, email).filter((mail) => !subject || subject.test(mail.subject));
    if (mails.length >= count) return mails[mails.length - 1];
    if (Date.now() > deadline) throw new Error(`no mail #${count} to ${email} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The token of the newest mail to `email` (waiting for it as waitForMail does). */
export async function tokenFromMail(
  t: TestApp,
  email: string,
  options: { count?: number; subject?: RegExp } = {},
): Promise<string> {
  const mail = await waitForMail(t, email, options);
  if (!mail.token) throw new Error(`the mail to ${email} carries no link:\n${mail.text}`);
  return mail.token;
}
