import { registerDecorator, ValidationOptions } from 'class-validator';
import { meetsPasswordPolicy, PASSWORD_MESSAGE } from '../password';

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
