import { hashPassword, meetsPasswordPolicy, verifyPassword } from './password';

describe('password policy', () => {
  it.each(['SecurePass123', 'Abcdefg1', `Aa1${'x'.repeat(69)}`])('accepts %s', (password) => {
    expect(meetsPasswordPolicy(password)).toBe(true);
  });

  it.each([
    ['too short', 'Abcde1'],
    ['no digit', 'SecurePassword'],
    ['no upper case', 'securepass123'],
    ['no lower case', 'SECUREPASS123'],
    ['over 72 characters', `Aa1${'x'.repeat(70)}`],
    ['over 72 bytes in fewer characters', `Aa1${'é'.repeat(35)}`],
  ])('refuses a password with %s', (_why, password) => {
    expect(meetsPasswordPolicy(password)).toBe(false);
  });
});

describe('verifyPassword', () => {
  const exact = `Aa1${'x'.repeat(69)}`;

  it('never matches a password over 72 bytes, though bcrypt would compare only its first 72', async () => {
    const hash = await hashPassword(exact);
    expect(await verifyPassword(exact, hash)).toBe(true);
    expect(await verifyPassword(`${exact}anything`, hash)).toBe(false);
  });
});
