/**
 * Repositories when PostgreSQL goes away and comes back: every kind of call (Prisma client,
 * plain SQL driver, Prisma and plain-SQL transactions) fails with an error the transports
 * map to "unavailable, retry" (HTTP 503, socket_error:unavailable), and the same repository
 * objects work again once the server is back. Uses a PostgreSQL server of its own, since
 * it stops it.
 */
import { isDatabaseUnavailable } from '../../src/core/prisma/database-errors';
import { PrismaService } from '../../src/core/prisma/prisma.service';
import { EventLogService } from '../../src/core/realtime/event-log.service';
import { UnitOfWork } from '../../src/core/realtime/unit-of-work';
import { CampaignRepository } from '../../src/modules/campaign/campaign.repository';
import { CountryRepository } from '../../src/modules/intelligence/country.repository';
import { IntelligenceItemRepository } from '../../src/modules/intelligence/intelligence-item.repository';
import { KillmailRepository } from '../../src/modules/killmail/killmail.repository';
import { NotificationsRepository } from '../../src/modules/notifications/notifications.repository';
import { repositoryConfig, settle } from '../support/repository';
import { startPostgres, type PostgresHandle } from '../support/services';

let server: PostgresHandle;
let prisma: PrismaService;
let uow: UnitOfWork;
let killmails: KillmailRepository;
let notifications: NotificationsRepository;
let campaigns: CampaignRepository;
let countries: CountryRepository;
let items: IntelligenceItemRepository;

beforeAll(async () => {
  server = await startPostgres();
  const config = repositoryConfig(server.url);
  prisma = new PrismaService(config);
  await prisma.init();
  uow = new UnitOfWork(prisma, new EventLogService(prisma, config));
  killmails = new KillmailRepository(prisma);
  notifications = new NotificationsRepository(prisma);
  campaigns = new CampaignRepository(prisma);
  countries = new CountryRepository(prisma);
  items = new IntelligenceItemRepository(prisma);
  await countries.upsert('atlantis', { name: 'Atlantis', gdp: 1, population: 2, vitality: 3, economicTier: 'x' });
});
afterAll(async () => {
  await prisma?.close();
  await server?.stop();
});

const calls: Array<[string, () => Promise<unknown>]> = [
  ['Prisma read (killmail list)', () => killmails.list(10, undefined)],
  ['Prisma groupBy (unread notifications)', () => notifications.unreadCount('u1')],
  ['plain SQL driver (killmail markPublished)', () => killmails.markPublished(1, '1')],
  ['plain SQL read (country page)', () => countries.page(undefined, 10)],
  ['Prisma transaction of its own (campaign create)', () => campaigns.create({ name: 'c', worldTime: new Date(), clockRunning: false, clockRate: 1, createdBy: 'u1' }, { campaignsPerUser: 10, runningClocksPerUser: 10 })],
  ['UnitOfWork.run (notifications createMany)', () => uow.run((tx) => notifications.createMany(tx, [{ userId: 'u1', eventKey: 'k', category: 'c', title: 't', body: 'b', data: {}, priority: 'low', dedupeKey: undefined, webhookTarget: undefined }]))],
  ['UnitOfWork.runSql (intelligence item create)', () => uow.runSql((tx) => items.create(tx, 'atlantis', { category: 'economic', priority: 'low', title: 't', description: 'd', data: {} }))],
];

it('fails every kind of call as "unavailable" while the server is down, and works again once it is back', async () => {
  for (const [, call] of calls) await call(); // all of them work to begin with

  // The throwaway server runs with synchronous_commit=off: flush what was committed, so the
  // crash below loses nothing this test counts on.
  await prisma.sql.query('CHECKPOINT');
  await server.kill(); // like a crash: connections drop, nothing answers
  const outcomes = await Promise.all(calls.map(async ([name, call]) => [name, await settle(call())] as const));
  for (const [name, outcome] of outcomes) {
    expect({ name, failed: !outcome.ok }).toEqual({ name, failed: true });
    const error = (outcome as { error: unknown }).error;
    expect({ name, unavailable: isDatabaseUnavailable(error), error: String(error) }).toEqual({ name, unavailable: true, error: String(error) });
  }

  await server.start();
  for (const [name, call] of calls) {
    const outcome = await settle(call());
    expect({ name, ok: outcome.ok }).toEqual({ name, ok: true });
  }
  expect(await notifications.unreadCount('u1')).toBe(2); // one stored before the crash, one after
});

it('fails a plain-SQL transaction whose connection is lost between two statements, and the pool works on', async () => {
  const outcome = await settle(
    prisma.sql.transaction(async (tx) => {
      const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Terminated from another connection while this transaction runs no statement.
      await prisma.sql.query('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return tx.query('SELECT 1');
    }),
  );
  expect(outcome.ok).toBe(false);
  expect(await prisma.sql.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
});
