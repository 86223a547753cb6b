import type { AppConfig } from '../../config';
import { LifecycleService } from '../../core/health';
import { MetricsService } from '../../core/observability';
import type { WebhookOutcome } from './discord-webhook.client';
import type { ClaimedDelivery, NotificationWebhookRepository } from './notification-webhook.repository';
import { NotificationWebhookService, escalationRule } from './notification-webhook.service';

const notification = {
  id: 'n1',
  userId: 'u1',
  eventKey: 'compliance.x',
  category: 'compliance',
  title: 't',
  body: 'b',
  data: {},
  priority: 'high',
  dedupeKey: null,
  createdAt: new Date(),
  readAt: null,
  acknowledgedAt: null,
};

function setup(outcomes: WebhookOutcome[]) {
  const config = { discord: { enabled: true, webhookUrl: 'http://127.0.0.1:1/hook', categories: ['compliance', 'defense'], minPriority: 'critical' } } as AppConfig;
  const claims: ClaimedDelivery[][] = [];
  const repository = {
    expireLeases: jest.fn().mockResolvedValue(0),
    skipAcknowledged: jest.fn().mockResolvedValue(0),
    claimDue: jest.fn(async () => claims.shift() ?? []),
    delivered: jest.fn(),
    retryAt: jest.fn(),
    failed: jest.fn(),
    release: jest.fn(),
    // Every claim is still ours unless a test says otherwise.
    renewLeases: jest.fn(async (ids: string[]) => new Set(ids)),
    nextDue: jest.fn().mockResolvedValue(undefined),
  };
  const client = { post: jest.fn(async () => outcomes.shift()!) };
  const metrics = { registry: new (jest.requireActual('prom-client').Registry)() } as MetricsService;
  const service = new NotificationWebhookService(config, repository as unknown as NotificationWebhookRepository, client, metrics, new LifecycleService());
  service.configure({ baseBackoffMs: 1000, maxBackoffMs: 5000, maxAttempts: 3, batchSize: 10 });
  const claim = (attempts: number, id = 'd1'): ClaimedDelivery => ({ id, target: service.target!, attempts, notification });
  return { service, repository, client, claims, claim };
}

describe('NotificationWebhookService', () => {
  it('escalates the configured categories and anything at or above the priority threshold', () => {
    const byDefault = escalationRule({ categories: ['compliance', 'defense'], minPriority: 'critical' });
    expect(byDefault({ category: 'compliance', priority: 'low' })).toBe(true);
    expect(byDefault({ category: 'defense', priority: 'medium' })).toBe(true);
    expect(byDefault({ category: 'economic', priority: 'high' })).toBe(false);
    expect(byDefault({ category: 'social', priority: 'critical' })).toBe(true);

    const economicOrHigh = escalationRule({ categories: ['economic'], minPriority: 'high' });
    expect(economicOrHigh({ category: 'economic', priority: 'low' })).toBe(true);
    expect(economicOrHigh({ category: 'compliance', priority: 'medium' })).toBe(false);
    expect(economicOrHigh({ category: 'social', priority: 'high' })).toBe(true);
    expect(economicOrHigh({ category: 'social', priority: 'critical' })).toBe(true);

    const categoriesOnly = escalationRule({ categories: ['system'], minPriority: undefined });
    expect(categoriesOnly({ category: 'social', priority: 'critical' })).toBe(false);
    expect(categoriesOnly({ category: 'system', priority: 'low' })).toBe(true);
  });

  it('escalates nothing when the webhook is off', () => {
    const off = new NotificationWebhookService(
      { discord: { enabled: false, webhookUrl: undefined, categories: ['compliance'], minPriority: 'low' } } as AppConfig,
      {} as NotificationWebhookRepository,
      { post: jest.fn() },
      { registry: new (jest.requireActual('prom-client').Registry)() } as MetricsService,
      new LifecycleService(),
    );
    expect(off.targetFor({ category: 'compliance', priority: 'critical' })).toBeUndefined();
    expect(setup([]).service.targetFor({ category: 'compliance', priority: 'low' })).toMatch(/^discord:[0-9a-f]{16}$/);
  });

  it('backs off exponentially up to the cap', () => {
    const { service } = setup([]);
    expect([1, 2, 3, 4, 5].map((n) => service.backoffMs(n))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('schedules a retry after a 5xx, and gives up at the attempt limit', async () => {
    const { service, repository, claims, claim } = setup([
      { kind: 'retry', error: 'HTTP 500' },
      { kind: 'retry', error: 'HTTP 500' },
    ]);
    claims.push([claim(1)]);
    const before = Date.now();
    expect(await service.process()).toMatchObject({ retrying: 1 });
    const next = (repository.retryAt.mock.calls[0] as [string, Date, string])[1];
    expect(next.getTime()).toBeGreaterThanOrEqual(before + 2000);
    claims.push([claim(2)]);
    expect(await service.process()).toMatchObject({ failed: 1 });
    expect(repository.failed).toHaveBeenCalledWith('d1', expect.stringContaining('gave up after 3 attempts'));
  });

  it('honours Retry-After and hands the rest of the batch back untouched', async () => {
    const { service, repository, client, claims, claim } = setup([{ kind: 'retry', error: 'HTTP 429', retryAfterMs: 3000 }]);
    claims.push([claim(0, 'd1'), claim(0, 'd2'), claim(0, 'd3')]);
    await service.process();
    expect(client.post).toHaveBeenCalledTimes(1);
    expect(repository.release).toHaveBeenCalledWith(['d2', 'd3'], expect.any(Date));
  });

  it('never retries a post whose outcome is unknown (timeout)', async () => {
    const { service, repository, claims, claim } = setup([{ kind: 'unknown', error: 'no answer within 10 ms' }]);
    claims.push([claim(0)]);
    expect(await service.process()).toMatchObject({ failed: 1, retrying: 0 });
    expect(repository.retryAt).not.toHaveBeenCalled();
  });

  it('renews the claims of the rest of the batch before each post, and skips one closed elsewhere', async () => {
    const { service, repository, client, claims, claim } = setup([{ kind: 'delivered', status: 204 }, { kind: 'delivered', status: 204 }]);
    claims.push([claim(0, 'd1'), claim(0, 'd2'), claim(0, 'd3')]);
    // d2's claim was closed by another instance (expired) while d1 was being posted.
    repository.renewLeases.mockImplementation(async (ids: string[]) => new Set(ids.filter((id) => id !== 'd2')));
    expect(await service.process()).toMatchObject({ delivered: 2 });
    expect(repository.renewLeases.mock.calls.map(([ids]) => ids)).toEqual([
      ['d1', 'd2', 'd3'],
      ['d2', 'd3'],
      ['d3'],
    ]);
    expect(client.post).toHaveBeenCalledTimes(2);
    expect(repository.delivered.mock.calls.map(([id]) => id)).toEqual(['d1', 'd3']);
  });

  it('starts no post once the process is shutting down', async () => {
    const { service, repository, client, claims, claim } = setup([{ kind: 'delivered', status: 204 }]);
    claims.push([claim(0, 'd1')]);
    const aborted = AbortSignal.abort();
    await service.process(aborted);
    expect(client.post).not.toHaveBeenCalled();
    expect(repository.claimDue).not.toHaveBeenCalled();
  });
});
