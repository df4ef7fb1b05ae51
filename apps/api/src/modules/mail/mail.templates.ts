/** The content of the mails the API sends: a plain-text and an HTML part each. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

export interface Recipient {
  firstName: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function hours(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

function layout(greeting: string, lines: string[], action: string, link: string, footer: string): MailContent['html'] {
  const paragraphs = lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n');
  const href = escapeHtml(link);
  return `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>${escapeHtml(greeting)}</p>
${paragraphs}
<p><a href="${href}">${escapeHtml(action)}</a></p>
<p>Or copy this address into your browser:<br>${href}</p>
<p style="color: #666">${escapeHtml(footer)}</p>
</body></html>
`;
}

export function verificationMail(to: Recipient, link: string, ttlSeconds: number): MailContent {
  const greeting = `Hello ${to.firstName},`;
  const lines = ['Please confirm your email address for your Video Call account.'];
  const footer = `The link works once and expires in ${hours(ttlSeconds)}. If you did not create an account, ignore this mail.`;
  return {
    subject: 'Confirm your email address',
    text: `${greeting}\n\n${lines.join('\n')}\n\n${link}\n\n${footer}\n`,
    html: layout(greeting, lines, 'Confirm my email address', link, footer),
  };
}

export function passwordResetMail(to: Recipient, link: string, ttlSeconds: number): MailContent {
  const greeting = `Hello ${to.firstName},`;
  const lines = ['Someone asked to reset the password of your Video Call account. To choose a new one, open:'];
  const footer = `The link works once and expires in ${hours(ttlSeconds)}. If you did not ask for this, ignore this mail; your password stays as it is.`;
  return {
    subject: 'Reset your password',
    text: `${greeting}\n\n${lines.join('\n')}\n\n${link}\n\n${footer}\n`,
    html: layout(greeting, lines, 'Choose a new password', link, footer),
  };
}
