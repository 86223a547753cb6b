import { Injectable } from '@nestjs/common';
import type { NotificationDto } from './notifications.dto';
import { readBodyCapped } from '../../core/net';

/** What one POST to the webhook came to, and so what the delivery does next. */
export type WebhookOutcome =
  | { kind: 'delivered'; status: number }
  /** Not delivered, safe to try again (after `retryAfterMs` when the server said so). */
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  /** Not delivered and trying again will not help (bad URL, webhook deleted, payload refused). */
  | { kind: 'rejected'; error: string }
  /** The request may or may not have been processed (timed out after sending). Never retried: at most once. */
  | { kind: 'unknown'; error: string };

/** Errors raised before a request can have reached the server: retrying cannot duplicate. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Longest wait a 429 may ask for before we treat the answer as unusable and use our own backoff. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

const PRIORITY_COLOURS: Record<NotificationDto['priority'], number> = {
  low: 0x95a5a6,
  medium: 0x3498db,
  high: 0xe67e22,
  critical: 0xe74c3c,
};

/** A Discord "execute webhook" body for one notification. */
export function discordMessage(n: NotificationDto): Record<string, unknown> {
  return {
    username: 'Herald',
    // User-supplied text must never ping @everyone, roles or users.
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: truncate(`[${n.priority.toUpperCase()}] ${n.title}`, 256),
        description: truncate(n.body, 4096),
        color: PRIORITY_COLOURS[n.priority],
        fields: [
          { name: 'Category', value: n.category, inline: true },
          { name: 'Event', value: truncate(n.eventKey, 1024), inline: true },
          { name: 'User', value: truncate(n.userId, 1024), inline: true },
        ],
        footer: { text: `notification ${n.id}` },
        timestamp: n.createdAt,
      },
    ],
  };
}

/** Webhook answers are a few hundred bytes; anything past this is dropped unread. */
export const MAX_RESPONSE_BODY_BYTES = 16 * 1024;

/** Posts to a Discord-compatible webhook and classifies the answer. Never throws. */
@Injectable()
export class DiscordWebhookClient {
  async post(url: string, body: unknown, timeoutMs: number): Promise<WebhookOutcome> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      return classifyFailure(err, timeoutMs);
    }
    // Read the body (Discord puts retry_after in it on 429) but never more than a small cap:
    // a misbehaving endpoint streaming megabytes cannot make the worker buffer them.
    const text = await readBodyCapped(res, MAX_RESPONSE_BODY_BYTES).then((body) => body.text, () => '');
    if (res.ok) return { kind: 'delivered', status: res.status };
    if (res.status === 429) {
      return { kind: 'retry', error: 'HTTP 429 rate limited', retryAfterMs: retryAfterMs(res.headers.get('retry-after'), text) };
    }
    if (res.status >= 500 || res.status === 408) return { kind: 'retry', error: `HTTP ${res.status}` };
    return { kind: 'rejected', error: `HTTP ${res.status}${text ? `: ${truncate(text, 200)}` : ''}` };
  }
}

function classifyFailure(err: unknown, timeoutMs: number): WebhookOutcome {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return { kind: 'unknown', error: `no answer within ${timeoutMs} ms; outcome unknown, not retried` };
  }
  const code = e?.cause?.code;
  const message = e?.cause?.message ?? e?.message ?? String(err);
  if (code && NOT_SENT_CODES.has(code)) return { kind: 'retry', error: `${code}: ${message}` };
  return { kind: 'unknown', error: `${code ?? 'network error'}: ${message}; outcome unknown, not retried` };
}

/** `Retry-After` is seconds (or an HTTP date); Discord also sends `retry_after` seconds in the JSON body. */
export function retryAfterMs(header: string | null, body: string): number | undefined {
  let ms: number | undefined;
  if (header && /^\d+(\.\d+)?$/.test(header.trim())) ms = Number(header.trim()) * 1000;
  else if (header && !Number.isNaN(Date.parse(header))) ms = Math.max(0, Date.parse(header) - Date.now());
  if (ms === undefined) {
    try {
      const parsed = JSON.parse(body) as { retry_after?: unknown };
      if (typeof parsed.retry_after === 'number' && parsed.retry_after >= 0) ms = parsed.retry_after * 1000;
    } catch {
      // not JSON
    }
  }
  return ms !== undefined && ms <= MAX_RETRY_AFTER_MS ? Math.ceil(ms) : undefined;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
