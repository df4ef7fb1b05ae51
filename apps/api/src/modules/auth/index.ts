/** The auth module's public surface: the guards other modules and the app wire in. */
export { AuthModule } from './auth.module';
export { AuthService } from './auth.service';
export { AdminAccountsService } from './admin-accounts.service';
export { JwtAuthGuard } from './jwt-auth.guard';
export { RolesGuard, requireRole } from './roles.guard';
// The token's issuer, audience and claims: the Socket.IO handshake verifies tokens as JwtStrategy does.
