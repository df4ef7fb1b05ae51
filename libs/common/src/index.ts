export * from './errors/error-code';
export * from './errors/app-exception';
export * from './http/envelope';
export * from './decorators/metadata';
export * from './validation/validation';
export * from './decorators/current-user';
export * from './validation/inputs';
export * from './errors/mongo';
