/**
 * A local HTTP server standing in for a Discord webhook. Each test scripts the answer per
 * request (by the notification title in the embed) and reads what arrived, when.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookRequest {
  /** Monotonic receive time in ms (performance.now()). */
  at: number;
  body: { username?: string; allowed_mentions?: unknown; embeds: Array<{ title: string; description: string; footer: { text: string } }> };
  /** The notification title, without the `[PRIORITY] ` prefix the embed adds. */
  title: string;
}

export type StubAnswer =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  /** Read the request and never answer (the client must time out). */
  | 'hang';

/** Decides the answer to the n-th request (1-based) carrying a title. */
export type StubScript = (title: string, attempt: number) => StubAnswer;

export class WebhookStub {
  readonly requests: WebhookRequest[] = [];
  private script: StubScript = () => ({ status: 204 });
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookStub> {
    const holder: { stub?: WebhookStub } = {};
    const server = createServer((req, res) => void holder.stub?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.stub = new WebhookStub(server, `http://127.0.0.1:${port}/api/webhooks/123/secret-token`);
    return holder.stub;
  }

  answer(script: StubScript): void {
    this.script = script;
  }

  /** Requests that carried this notification title, in arrival order. */
  for(title: string): WebhookRequest[] {
    return this.requests.filter((r) => r.title === title);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookRequest['body'];
    const title = (body.embeds?.[0]?.title ?? '').replace(/^\[[A-Z]+\] /, '');
    this.requests.push({ at: performance.now(), body, title });
    const answer = this.script(title, this.for(title).length);
    if (answer === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
    res.end(answer.body ?? '');
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
