import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { UsersModule } from '../users';
import { AdminAccountsService } from './admin-accounts.service';
import { AuthController } from './auth.controller';
import { AuthHousekeeping } from './auth.housekeeping';
import { AuthRepository } from './auth.repository';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { BearerStrategy } from './bearer.strategy';
import { CheckedTokens } from './checked-tokens';
import { RolesGuard } from './roles.guard';
import { AuthToken, AuthTokenSchema } from './schemas/auth-token.schema';
import { RevokedToken, RevokedTokenSchema } from './schemas/revoked-token.schema';

@Module({
  imports: [
    UsersModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        // Never sign or accept tokens with an empty key (the server fills in a development one).
        if (!config.jwt.secret) throw new Error('No JWT secret: set JWT_SECRET');
        return {
          // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a
          // PEM public (verify) or private (sign) key, which throws, on every call, before making
          // the HMAC key. That thrown error was about 15 % of a refused request's CPU.
          secret: createSecretKey(Buffer.from(config.jwt.secret, 'utf8')),
          signOptions: { algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        };
      },
    }),
    MongooseModule.forFeature([
      { name: RevokedToken.name, schema: RevokedTokenSchema },
      { name: AuthToken.name, schema: AuthTokenSchema },
    ]),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    AuthRepository,
    AdminAccountsService,
    AuthHousekeeping,
    BearerStrategy,
    CheckedTokens,
    JwtAuthGuard,
    RolesGuard,
  ],
  exports: [AuthService, AdminAccountsService, JwtAuthGuard, BearerStrategy, RolesGuard],
})
export class AuthModule {}
