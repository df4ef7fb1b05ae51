import { hashEmailToken, isEmailTokenShaped, newEmailToken } from './email-tokens';

describe('email tokens', () => {
  it('makes 43-character base64url tokens and stores their SHA-256 hex', () => {
    const { token, hash } = newEmailToken();
    expect(isEmailTokenShaped(token)).toBe(true);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashEmailToken(token)).toBe(hash);
    expect(newEmailToken().token).not.toBe(token);
  });

  it.each(['', 'short', `${'a'.repeat(42)}=`, 'a'.repeat(44), `${'a'.repeat(42)}/`])('refuses %p', (value) => {
    expect(isEmailTokenShaped(value)).toBe(false);
  });
});
