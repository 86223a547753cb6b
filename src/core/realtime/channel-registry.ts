import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';

/**
 * How a module's channels are read outside a socket (GET /api/history): which
 * namespace logs them, and whether a user may read one — the same rule as subscribing.
 */
export interface ChannelAccess {
  namespace: string;
  matches(channel: string): boolean;
  canRead(user: Principal, channel: string): Promise<boolean> | boolean;
}

@Injectable()
export class ChannelRegistry {
  private readonly entries: ChannelAccess[] = [];

  register(access: ChannelAccess): void {
    this.entries.push(access);
  }

  /** With `namespace`, only that namespace's channels (`system:events` and `system:<id>` live in two). */
  find(channel: string, namespace?: string): ChannelAccess | undefined {
    return this.entries.find((e) => (namespace === undefined || e.namespace === namespace) && e.matches(channel));
  }
}
