import { Injectable } from '@nestjs/common';

/**
 * What a feature module adds to the status API (`/api/websocket-status`): the kernel owns
 * the route, the namespaces, the jobs and the database check; a module that has more to
 * say (the Intelligence broadcast service, whose shape older clients read) registers it
 * here instead of keeping a status route of its own.
 */
export interface StatusExtension {
  /** Fields merged into the top level of `GET /api/websocket-status`. */
  status(): Record<string, unknown>;
  /** Fields merged into the `get_detailed_stats` answer. */
  detailedStats(): Record<string, unknown>;
  /** Named boolean checks merged into `health_check`. */
  healthChecks(): Promise<Record<string, boolean>> | Record<string, boolean>;
  /** Extra actions of `POST /api/websocket-status`, by name. */
  actions: Record<string, () => Promise<Record<string, unknown>>>;
}

@Injectable()
export class StatusRegistry {
  private readonly extensions: StatusExtension[] = [];

  register(extension: StatusExtension): void {
    this.extensions.push(extension);
  }

  all(): readonly StatusExtension[] {
    return this.extensions;
  }

  action(name: string): (() => Promise<Record<string, unknown>>) | undefined {
    for (const e of this.extensions) {
      if (Object.hasOwn(e.actions, name)) return e.actions[name];
    }
    return undefined;
  }

  actionNames(): string[] {
    return this.extensions.flatMap((e) => Object.keys(e.actions));
  }
}
