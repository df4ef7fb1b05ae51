import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG, AppConfig } from '../../core/config/app-config';
import { UsersModule } from '../users';
import { AdminAccountsService } from './admin-accounts.service';
import { AuthController } from './auth.controller';
import { AuthHousekeeping } from './auth.housekeeping';
import { AuthRepository } from './auth.repository';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { RolesGuard } from './roles.guard';
import { AuthToken, AuthTokenSchema } from './schemas/auth-token.schema';
import { RevokedToken, RevokedTokenSchema } from './schemas/revoked-token.schema';

@Module({
  imports: [
    UsersModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        // Never sign or accept tokens with an empty key (the server fills in a development one).
        if (!config.jwt.secret) throw new Error('No JWT secret: set JWT_SECRET');
        return {
          secret: config.jwt.secret,
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
    JwtStrategy,
    JwtAuthGuard,
    RolesGuard,
  ],
  exports: [AuthService, AdminAccountsService, JwtAuthGuard, RolesGuard],
})
export class AuthModule {}
