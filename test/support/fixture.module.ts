import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { AppException, ErrorCode, Public, RateLimit, ResponseMessage } from '@app/common';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';

class AddressDto {
  @IsString()
  @Length(2, 40)
  city!: string;
}

class EchoDto {
  @IsString()
  @Length(1, 20)
  name!: string;

  @IsEmail()
  email!: string;

  @IsInt()
  @Min(0)
  @Max(10)
  count!: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto;
}

/**
 * Routes that exercise the app's global wiring (validation, envelope, errors, limits) before
 * the product has endpoints of its own with bodies. Mounted only by the e2e tests.
 */
@Public()
@Controller('fixture')
class FixtureController {
  @Post('echo')
  @ResponseMessage('Echoed')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Get('conflict')
  conflict(): never {
    throw new AppException(ErrorCode.CONFLICT, 'That name is taken');
  }

  @Get('crash')
  crash(): never {
    throw new Error('connection string mongodb://admin:hunter2@db leaked');
  }

  @Get('auth-limited')
  @RateLimit('auth')
  authLimited(): { ok: true } {
    return { ok: true };
  }

  @Get('admin-limited')
  @RateLimit('admin')
  adminLimited(): { ok: true } {
    return { ok: true };
  }

  @Get('plain')
  plain(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [FixtureController] })
export class FixtureModule {}
