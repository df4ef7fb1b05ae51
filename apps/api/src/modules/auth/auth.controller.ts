import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Public, RateLimit, ResponseMessage } from '@app/common';
import { AuthService, Session } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';

@ApiTags('Authentication')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @RateLimit('auth')
  @ResponseMessage('User registered successfully')
  @ApiOperation({ summary: 'Create an account; returns the user and a token' })
  register(@Body() body: RegisterDto): Promise<Session> {
    return this.auth.register(body);
  }

  @Post('login')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Login successful')
  @ApiOperation({ summary: 'Sign in; sets presence online and returns a token' })
  login(@Body() body: LoginDto): Promise<Session> {
    return this.auth.login(body.email, body.password);
  }

  @Post('logout')
  @HttpCode(HttpStatus.OK)
  @ApiBearerAuth()
  @ResponseMessage('Logout successful')
  @ApiOperation({ summary: 'Revoke this token and set presence offline' })
  async logout(@CurrentUser() me: AuthUser): Promise<null> {
    await this.auth.logout(me);
    return null;
  }
}
