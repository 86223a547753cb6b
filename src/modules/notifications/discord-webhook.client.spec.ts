import { discordMessage, retryAfterMs } from './discord-webhook.client';
import type { NotificationDto } from './notifications.dto';

describe('retryAfterMs', () => {
  it('reads seconds (fractional too) from Retry-After, else retry_after from the body', () => {
    expect(retryAfterMs('2', '')).toBe(2000);
    expect(retryAfterMs('0.25', '')).toBe(250);
    expect(retryAfterMs(null, '{"retry_after": 1.5, "global": false}')).toBe(1500);
    expect(retryAfterMs(null, 'not json')).toBeUndefined();
  });

  it('reads an HTTP date and ignores absurd waits', () => {
    const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
    expect(retryAfterMs(inTwoSeconds, '')).toBeGreaterThan(0);
    expect(retryAfterMs(inTwoSeconds, '')).toBeLessThanOrEqual(2_000);
    expect(retryAfterMs(String(24 * 3600), '')).toBeUndefined();
  });
});

describe('discordMessage', () => {
  const n: NotificationDto = {
    id: 'n1',
    userId: 'u1',
    eventKey: 'compliance.report_overdue',
    category: 'compliance',
    title: 't'.repeat(300),
    body: 'ping @everyone',
    data: {},
    priority: 'critical',
    createdAt: '2026-11-25T12:00:00.000Z',
    readAt: null,
    acknowledgedAt: null,
  };

  it('never lets user text mention anyone and keeps Discord’s field limits', () => {
    const message = discordMessage(n) as { allowed_mentions: unknown; embeds: Array<{ title: string; description: string }> };
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.embeds[0].title.length).toBeLessThanOrEqual(256);
    expect(message.embeds[0].title.startsWith('[CRITICAL] ')).toBe(true);
    expect(message.embeds[0].description).toBe('ping @everyone');
  });
});
