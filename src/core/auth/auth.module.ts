import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AuthService } from './auth.service';
import { HttpAuthGuard } from './http-auth.guard';

@Global()
@Module({
  // Keys and algorithms are passed per call by AuthService, from AppConfig.
  imports: [JwtModule.register({})],
  providers: [AuthService, { provide: APP_GUARD, useClass: HttpAuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}
