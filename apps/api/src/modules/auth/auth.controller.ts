import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Public, RateLimit, ResponseMessage } from '@app/common';
import { ApiErrors, ApiSuccess } from '../../core/swagger/api-responses';
import { AuthService, Session } from './auth.service';
import { ChangePasswordDto } from './dto/change-password.dto';
import { EmailDto } from './dto/email.dto';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { ResetPasswordDto } from './dto/reset-password.dto';
import { SessionDto } from './dto/session.response';

const INVALID_LINK_400 = {
  [HttpStatus.BAD_REQUEST]: 'Invalid input, or a link that is unknown, used, expired or of an inactive account',
};

const LINK_TOKEN = {
  name: 'token',
  description: 'The last path segment of the link in the mail (43 base64url characters)',
  example: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c',
};

@ApiTags('Authentication')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @RateLimit('auth')
  @ResponseMessage('User registered successfully')
  @ApiOperation({ summary: 'Create an account; returns the user and a token, and mails a verification link' })
  @ApiSuccess(HttpStatus.CREATED, SessionDto)
  @ApiErrors({ [HttpStatus.CONFLICT]: 'An account with this email already exists' })
  register(@Body() body: RegisterDto): Promise<Session> {
    return this.auth.register(body);
  }

  @Post('login')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Login successful')
  @ApiOperation({ summary: 'Sign in; sets presence online and returns a token' })
  @ApiSuccess(HttpStatus.OK, SessionDto)
  @ApiErrors({
    [HttpStatus.UNAUTHORIZED]: 'Wrong email or password (the same answer for both)',
    [HttpStatus.FORBIDDEN]: 'The account is suspended',
  })
  login(@Body() body: LoginDto): Promise<Session> {
    return this.auth.login(body.email, body.password);
  }

  @Post('logout')
  @HttpCode(HttpStatus.OK)
  @ApiBearerAuth()
  @ResponseMessage('Logout successful')
  @ApiOperation({ summary: 'Revoke this token and set presence offline' })
  @ApiSuccess(HttpStatus.OK, null)
  async logout(@CurrentUser() me: AuthUser): Promise<null> {
    await this.auth.logout(me);
    return null;
  }

  @Post('change-password')
  @RateLimit('auth')
  @HttpCode(HttpStatus.OK)
  @ApiBearerAuth()
  @ResponseMessage('Password changed successfully')
  @ApiOperation({
    summary: 'Change the password; every earlier token stops working and a fresh one is returned',
  })
  @ApiSuccess(HttpStatus.OK, SessionDto)
  @ApiErrors({ [HttpStatus.BAD_REQUEST]: 'Invalid input, a wrong current password, or a new one equal to it' })
  changePassword(@CurrentUser() me: AuthUser, @Body() body: ChangePasswordDto): Promise<Session> {
    return this.auth.changePassword(me, body.currentPassword, body.newPassword);
  }

  @Post('forgot-password')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('If an account with this email exists, a password reset link has been sent to it')
  @ApiOperation({ summary: 'Mail a password reset link; the answer is the same whether or not the email is known' })
  @ApiSuccess(HttpStatus.OK, null)
  async forgotPassword(@Body() body: EmailDto): Promise<null> {
    await this.auth.forgotPassword(body.email);
    return null;
  }

  @Post('reset-password/:token')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('Password reset successfully; sign in with the new password')
  @ApiParam(LINK_TOKEN)
  @ApiOperation({ summary: 'Set a new password with a reset link (single use); every earlier token stops working' })
  @ApiSuccess(HttpStatus.OK, null)
  @ApiErrors(INVALID_LINK_400)
  async resetPassword(@Param('token') token: string, @Body() body: ResetPasswordDto): Promise<null> {
    await this.auth.resetPassword(token, body.newPassword);
    return null;
  }

  @Get('verify-email/:token')
  @Public()
  @RateLimit('auth')
  @ResponseMessage('Email verified successfully')
  @ApiParam(LINK_TOKEN)
  @ApiOperation({ summary: 'Confirm the email address with the link from the verification mail (single use)' })
  @ApiSuccess(HttpStatus.OK, null)
  @ApiErrors(INVALID_LINK_400)
  async verifyEmail(@Param('token') token: string): Promise<null> {
    await this.auth.verifyEmail(token);
    return null;
  }

  @Post('resend-verification')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.OK)
  @ResponseMessage('If an unverified account with this email exists, a verification link has been sent to it')
  @ApiOperation({ summary: 'Mail a new verification link; the answer is the same whether or not the email is known' })
  @ApiSuccess(HttpStatus.OK, null)
  async resendVerification(@Body() body: EmailDto): Promise<null> {
    await this.auth.resendVerification(body.email);
    return null;
  }
}
