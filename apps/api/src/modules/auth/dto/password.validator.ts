import { registerDecorator, ValidationOptions } from 'class-validator';
import { isPasswordInput, meetsPasswordPolicy, PASSWORD_INPUT_MESSAGE, PASSWORD_MESSAGE } from '@app/common';

/** The password policy as a validation rule; the message never contains the value. */
export function IsStrongPassword(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isStrongPassword',
      target: target.constructor,
      propertyName,
      options: { message: PASSWORD_MESSAGE.replace(/^password/, propertyName), ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && meetsPasswordPolicy(value) },
    });
}

/**
 * A password given to prove who one is (login, current password): 1 to 72 bytes, the register
 * rule's limit, since bcrypt ignores everything after 72 bytes.
 */
export function IsPasswordInput(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isPasswordInput',
      target: target.constructor,
      propertyName,
      options: { message: PASSWORD_INPUT_MESSAGE.replace(/^password/, propertyName), ...options },
      validator: { validate: isPasswordInput },
    });
}
