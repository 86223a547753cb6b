import { Injectable } from '@nestjs/common';

/** Process-wide lifecycle flags read by readiness and by anything that must stop taking work. */
@Injectable()
export class LifecycleService {
  private shuttingDownSince: number | undefined;

  get shuttingDown(): boolean {
    return this.shuttingDownSince !== undefined;
  }

  beginShutdown(): void {
    this.shuttingDownSince ??= Date.now();
  }
}
