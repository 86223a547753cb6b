/**
 * CountryRepository and IntelligenceItemRepository against a real PostgreSQL database.
 */
import { DomainError } from '../../src/core/errors';
import { CountryRepository, type CountryFigures, type NewItem } from '../../src/modules/intelligence/country.repository';
import { IntelligenceItemRepository } from '../../src/modules/intelligence/intelligence-item.repository';
import type { Transaction } from '../../src/core/realtime';
import { contend, openRepositoryDatabase, settle, type RepositoryDatabase } from '../support/repository';

const figures = (overrides: Partial<CountryFigures> = {}): CountryFigures => ({
  name: 'Freedonia',
  gdp: 1_234_567.89,
  population: 45_000_000,
  vitality: 72.5,
  economicTier: 'developed',
  ...overrides,
});

const item = (overrides: Partial<NewItem> = {}): NewItem => ({
  category: 'economic',
  priority: 'high',
  title: 'GDP up',
  description: 'GDP rose 12%',
  data: { figure: 'gdp', change: 12, nested: { ok: true } },
  ...overrides,
});

let db: RepositoryDatabase;
let countries: CountryRepository;
let items: IntelligenceItemRepository;
let countryNo = 0;
const newCountryId = () => `c${String(++countryNo).padStart(4, '0')}`;

beforeAll(async () => {
  db = await openRepositoryDatabase('intelligence');
  countries = new CountryRepository(db.prisma);
  items = new IntelligenceItemRepository(db.prisma);
});
afterAll(() => db.close());

const snapshotOf = async (id: string) =>
  (
    await db.sql<{ gdp: number; population: string; vitality: number; economic_tier: string; version: number }>(
      `SELECT gdp, population::text, vitality, economic_tier, version FROM country_snapshots WHERE country_id = $1`,
      [id],
    )
  )[0];

describe('CountryRepository', () => {
  it('creates a country with its first figures as the baseline; a later upsert replaces the figures, not the baseline', async () => {
    const id = newCountryId();
    const first = await countries.upsert(id, figures({ population: Number.MAX_SAFE_INTEGER }));
    expect(first.created).toBe(true);
    expect(await snapshotOf(id)).toEqual({ gdp: 1_234_567.89, population: '9007199254740991', vitality: 72.5, economic_tier: 'developed', version: 0 });

    const second = await countries.upsert(id, figures({ name: 'Freedonia II', gdp: 1, population: 2, vitality: 3, economicTier: 'emerging' }));
    expect(second.created).toBe(false);
    const [row] = await db.sql(`SELECT name, gdp, population::text AS population, vitality, economic_tier FROM countries WHERE id = $1`, [id]);
    expect(row).toEqual({ name: 'Freedonia II', gdp: 1, population: '2', vitality: 3, economic_tier: 'emerging' });
    expect((await snapshotOf(id)).population).toBe('9007199254740991'); // the baseline kept the first figures

    const detail = await countries.findById(id);
    expect(detail?.country).toMatchObject({ id, name: 'Freedonia II', gdp: 1, population: 2, vitality: 3, economicTier: 'emerging' });
    expect(detail?.country.updatedAt.getTime()).toBeGreaterThanOrEqual(detail!.country.createdAt.getTime());
    expect(detail?.baseline).toMatchObject({ gdp: 1_234_567.89, population: Number.MAX_SAFE_INTEGER, vitality: 72.5, economicTier: 'developed', version: 0 });
    expect(await countries.findById('no-such-country')).toBeNull();
  });

  it('pages in id order after `afterId`, with the baseline or null where a country has none', async () => {
    const ids = ['p-b', 'p-d', 'p-a', 'p-c'];
    for (const id of ids) await countries.upsert(id, figures({ name: id }));
    // A country written behind the app's back (no baseline yet).
    await db.sql(`INSERT INTO countries (id, name, gdp, population, vitality, economic_tier, updated_at) VALUES ('p-e', 'p-e', 5, 6, 7, 'x', now())`);

    const pageIds = async (after: string | undefined, size: number) => (await countries.page(after, size)).map((c) => c.country.id);
    expect(await pageIds('p-', 2)).toEqual(['p-a', 'p-b']);
    expect(await pageIds('p-b', 2)).toEqual(['p-c', 'p-d']);
    expect(await pageIds('p-d', 5)).toEqual(['p-e']);
    const all = await countries.page(undefined, 1000);
    expect(all.map((c) => c.country.id)).toEqual([...all.map((c) => c.country.id)].sort());

    const [withBaseline] = await countries.page('p-b', 1);
    expect(withBaseline).toEqual({
      country: { id: 'p-c', name: 'p-c', gdp: 1_234_567.89, population: 45_000_000, vitality: 72.5, economicTier: 'developed' },
      baseline: { gdp: 1_234_567.89, population: 45_000_000, vitality: 72.5, economicTier: 'developed', version: 0 },
    });
    const [without] = await countries.page('p-d', 1);
    expect(without).toEqual({ country: { id: 'p-e', name: 'p-e', gdp: 5, population: 6, vitality: 7, economicTier: 'x' }, baseline: null });

    // Initialising baselines creates the missing one and leaves existing ones alone.
    await countries.initialiseBaselines([without.country, { ...withBaseline.country, gdp: 999 }]);
    expect(await snapshotOf('p-e')).toMatchObject({ gdp: 5, population: '6', version: 0 });
    expect((await snapshotOf('p-c')).gdp).toBe(1_234_567.89);
  });

  it('advances a baseline only from the expected version, storing its items in the same transaction', async () => {
    const id = newCountryId();
    await countries.upsert(id, figures());
    const next = { gdp: 2_000_000, population: 46_000_000, vitality: 60, economicTier: 'developed' };

    const created = await db.uow.run((tx) => countries.advanceBaseline(tx, id, 0, next, [item(), item({ category: 'crisis', priority: 'critical', title: 'Vitality down' })]));
    expect(created?.map((i) => [i.countryId, i.category, i.priority, i.title])).toEqual([
      [id, 'economic', 'high', 'GDP up'],
      [id, 'crisis', 'critical', 'Vitality down'],
    ]);
    expect(await snapshotOf(id)).toEqual({ gdp: 2_000_000, population: '46000000', vitality: 60, economic_tier: 'developed', version: 1 });
    const stored = await db.sql<{ id: string; data: unknown }>(`SELECT id::text, data FROM intelligence_items WHERE country_id = $1 ORDER BY id`, [id]);
    expect(stored.map((r) => r.id)).toEqual(created!.map((i) => i.id.toString()));
    expect(stored[0].data).toEqual({ figure: 'gdp', change: 12, nested: { ok: true } });

    // A run that read version 0 is too late: nothing moves, nothing is stored.
    expect(await db.uow.run((tx) => countries.advanceBaseline(tx, id, 0, { ...next, gdp: 1 }, [item()]))).toBeNull();
    expect((await snapshotOf(id)).gdp).toBe(2_000_000);
    expect(await db.sql(`SELECT 1 FROM intelligence_items WHERE country_id = $1`, [id])).toHaveLength(2);

    // An advance without items still moves the version.
    expect(await db.uow.run((tx) => countries.advanceBaseline(tx, id, 1, { ...next, vitality: 65 }, []))).toEqual([]);
    expect(await snapshotOf(id)).toMatchObject({ vitality: 65, version: 2 });
  });

  it('of two runs advancing one baseline at once, one stores its items and the other gets null', async () => {
    const id = newCountryId();
    await countries.upsert(id, figures());
    const [won, lost] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          const result = await countries.advanceBaseline(tx, id, 0, { gdp: 1, population: 1, vitality: 1, economicTier: 'a' }, [item({ title: 'first' })]);
          await hold();
          return result;
        }),
      () => db.uow.run((tx) => countries.advanceBaseline(tx, id, 0, { gdp: 2, population: 2, vitality: 2, economicTier: 'b' }, [item({ title: 'second' })])),
    );
    expect(won?.map((i) => i.title)).toEqual(['first']);
    expect(lost).toEqual({ ok: true, value: null });
    expect(await snapshotOf(id)).toMatchObject({ gdp: 1, economic_tier: 'a', version: 1 });
    expect((await db.sql<{ title: string }>(`SELECT title FROM intelligence_items WHERE country_id = $1`, [id])).map((r) => r.title)).toEqual(['first']);
  });

  it('an advance rolled back with its transaction leaves baseline and items as they were', async () => {
    const id = newCountryId();
    await countries.upsert(id, figures());
    const outcome = await settle(
      db.uow.run(async (tx) => {
        await countries.advanceBaseline(tx, id, 0, { gdp: 1, population: 1, vitality: 1, economicTier: 'a' }, [item()]);
        throw new Error('storing the alert events failed');
      }),
    );
    expect(outcome.ok).toBe(false);
    expect(await snapshotOf(id)).toMatchObject({ gdp: 1_234_567.89, version: 0 });
    expect(await db.sql(`SELECT 1 FROM intelligence_items WHERE country_id = $1`, [id])).toHaveLength(0);
  });

  // Items have no foreign key to their country: each writer locks it instead, and a trigger deletes them with it.
  it.each([
    ['create', (tx: Transaction, id: string) => items.create(tx, id, item())],
    ['createMany', (tx: Transaction, id: string) => items.createMany(tx, [{ countryId: id, item: item() }, { countryId: id, item: item() }])],
    [
      'advanceBaseline',
      (tx: Transaction, id: string) => countries.advanceBaseline(tx, id, 0, { gdp: 1, population: 1, vitality: 1, economicTier: 'a' }, [item()]),
    ],
  ])('a country deleted while %s writes items for it waits for that transaction, then takes those items too', async (_name, write) => {
    const id = newCountryId();
    await countries.upsert(id, figures());
    const [, deleted] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          await write(tx, id);
          await hold();
        }),
      // On the app's pool: the test's own connection must stay free to watch for the lock wait.
      () => db.prisma.sql.query(`DELETE FROM countries WHERE id = $1`, [id]),
    );
    if (!deleted.ok) throw deleted.error;
    expect(await db.sql(`SELECT 1 FROM intelligence_items WHERE country_id = $1`, [id])).toHaveLength(0);
  });

  it("a country's new id carries its items along; nothing else about the country touches them", async () => {
    const id = newCountryId();
    const renamed = newCountryId();
    await countries.upsert(id, figures());
    const { item: stored } = await db.uow.runSql((tx) => items.create(tx, id, item()));
    const version = () => db.sql<{ xmin: string }>(`SELECT xmin::text FROM intelligence_items WHERE id = $1`, [stored.id.toString()]);
    const before = await version();
    // New figures, and an UPDATE that names the id without changing it, leave the items alone.
    await countries.upsert(id, figures({ gdp: 1 }));
    await db.sql(`UPDATE countries SET id = id WHERE id = $1`, [id]);
    expect(await version()).toEqual(before);
    await db.sql(`UPDATE countries SET id = $2 WHERE id = $1`, [id, renamed]);
    expect((await items.list({ countryId: renamed, limit: 10 })).map((i) => i.id)).toEqual([stored.id]);
    expect(await items.list({ countryId: id, limit: 10 })).toEqual([]);
  });

  it('a country deleted takes its baseline and items with it', async () => {
    const id = newCountryId();
    await countries.upsert(id, figures());
    await db.uow.runSql((tx) => items.create(tx, id, item()));
    await db.sql(`DELETE FROM countries WHERE id = $1`, [id]);
    expect(await countries.findById(id)).toBeNull();
    expect(await snapshotOf(id)).toBeUndefined();
    expect(await items.list({ countryId: id, limit: 10 })).toEqual([]);
  });
});

describe('IntelligenceItemRepository', () => {
  it('stores an item and reads it back with the values the database holds', async () => {
    const id = newCountryId();
    await countries.upsert(id, figures());
    const { item: created, created: isNew } = await db.uow.runSql((tx) => items.create(tx, id, item({ category: 'diplomatic', priority: 'low' })));
    expect(isNew).toBe(true);
    const [row] = await db.sql<Record<string, unknown>>(
      `SELECT id::text, category::text, priority::text, country_id, title, description, data, dedupe_key, created_at FROM intelligence_items WHERE id = $1`,
      [created.id.toString()],
    );
    expect(row).toEqual({
      id: created.id.toString(),
      category: 'diplomatic',
      priority: 'low',
      country_id: id,
      title: 'GDP up',
      description: 'GDP rose 12%',
      data: { figure: 'gdp', change: 12, nested: { ok: true } },
      dedupe_key: null,
      created_at: created.createdAt,
    });
    const [listed] = await items.list({ countryId: id, limit: 1 });
    expect(listed).toEqual(created); // the plain-SQL insert and the Prisma read map rows alike
  });

  it('stores a batch in one statement and reports each input in order, each created item as the database holds it', async () => {
    const id = newCountryId();
    await countries.upsert(id, figures());
    const { item: earlier } = await db.uow.runSql((tx) => items.create(tx, id, item({ title: 'earlier' }), 'batch:earlier'));
    const writes = await db.uow.runSql((tx) =>
      items.createMany(tx, [
        { countryId: id, item: item({ title: 'one' }) },
        { countryId: 'nowhere', item: item({ title: 'lost' }) },
        { countryId: id, item: item({ title: 'again' }), dedupeKey: 'batch:earlier' },
        { countryId: id, item: item({ title: 'two' }), dedupeKey: 'batch:two' },
        { countryId: id, item: item({ title: 'two again' }), dedupeKey: 'batch:two' },
        { countryId: id, item: item({ title: 'three', priority: 'low' }) },
      ]),
    );
    expect(writes.map((w) => (w.kind === 'item' ? [w.kind, w.item.title, w.created] : [w.kind]))).toEqual([
      ['item', 'one', true],
      ['unknownCountry'],
      ['item', 'earlier', false],
      ['item', 'two', true],
      ['repeat'],
      ['item', 'three', true],
    ]);
    expect(writes[2]).toEqual({ kind: 'item', item: earlier, created: false });
    expect(writes[4]).toEqual({ kind: 'repeat', of: 3 });
    const created = [writes[0], writes[3], writes[5]].map((w) => (w as { item: unknown }).item);
    // The plain-SQL batch insert and the Prisma read map rows alike (ids, times, values); newest first.
    expect(await items.list({ countryId: id, limit: 10 })).toEqual([...created].reverse().concat(earlier));
  });

  it('an unknown country is a not-found domain error and stores nothing', async () => {
    const outcome = await settle(db.uow.runSql((tx) => items.create(tx, 'nowhere', item())));
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('not_found');
    expect(await db.sql(`SELECT 1 FROM intelligence_items WHERE country_id = 'nowhere'`)).toHaveLength(0);
  });

  it('a dedupe key used again returns the stored item instead of a second one', async () => {
    const id = newCountryId();
    await countries.upsert(id, figures());
    const first = await db.uow.runSql((tx) => items.create(tx, id, item({ title: 'first' }), 'achievement:1'));
    const again = await db.uow.runSql((tx) => items.create(tx, id, item({ title: 'second' }), 'achievement:1'));
    expect(first.created).toBe(true);
    expect(again).toEqual({ item: first.item, created: false });
    expect((await db.sql<{ title: string }>(`SELECT title FROM intelligence_items WHERE dedupe_key = 'achievement:1'`)).map((r) => r.title)).toEqual(['first']);
    // Without a key nothing is deduplicated.
    await db.uow.runSql((tx) => items.create(tx, id, item()));
    await db.uow.runSql((tx) => items.create(tx, id, item()));
    expect(await db.sql(`SELECT 1 FROM intelligence_items WHERE country_id = $1 AND dedupe_key IS NULL`, [id])).toHaveLength(2);
  });

  it('two racing creates with one dedupe key store one item and both return it', async () => {
    const id = newCountryId();
    await countries.upsert(id, figures());
    const [won, lost] = await contend(
      db,
      (hold) =>
        db.uow.runSql(async (tx) => {
          const result = await items.create(tx, id, item({ title: 'first' }), 'race:1');
          await hold();
          return result;
        }),
      () => db.uow.runSql((tx) => items.create(tx, id, item({ title: 'second' }), 'race:1')),
    );
    if (!lost.ok) throw lost.error;
    expect(won.created).toBe(true);
    expect(lost.value).toEqual({ item: won.item, created: false });
  });

  it('keeps ids beyond 2^53 exact and pages them newest first with `before`', async () => {
    const id = newCountryId();
    await countries.upsert(id, figures());
    await db.sql(`SELECT setval(pg_get_serial_sequence('intelligence_items', 'id'), 9007199254740992)`); // next id is 2^53 + 1
    const created: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      created.push((await db.uow.runSql((tx) => items.create(tx, id, item({ title: `t${i}`, category: i % 2 ? 'crisis' : 'economic' })))).item.id);
    }
    expect(created.map(String)).toEqual(['9007199254740993', '9007199254740994', '9007199254740995', '9007199254740996', '9007199254740997']);
    const [stored] = await db.sql<{ max: string }>(`SELECT max(id)::text AS max FROM intelligence_items`);
    expect(stored.max).toBe('9007199254740997');

    const page = async (before: string | undefined, limit: number, category?: 'crisis') =>
      (await items.list({ countryId: id, limit, before, category })).map((i) => i.title);
    expect(await page(undefined, 10)).toEqual(['t4', 't3', 't2', 't1', 't0']);
    expect(await page(undefined, 2)).toEqual(['t4', 't3']);
    expect(await page('9007199254740995', 2)).toEqual(['t1', 't0']); // strictly older than the cursor, exact past 2^53
    expect(await page('9007199254740993', 2)).toEqual([]);
    expect(await page(undefined, 10, 'crisis')).toEqual(['t3', 't1']);
    expect((await items.list({ category: 'crisis', limit: 1000 })).every((i) => i.category === 'crisis')).toBe(true);
  });
});
