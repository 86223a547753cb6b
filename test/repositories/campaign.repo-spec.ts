/**
 * CampaignRepository and SettlementRepository against a real PostgreSQL database.
 */
import { DomainError } from '../../src/core/errors';
import { CampaignRepository } from '../../src/modules/campaign/campaign.repository';
import { SettlementRepository } from '../../src/modules/campaign/settlement.repository';
import { contend, openRepositoryDatabase, settle, type RepositoryDatabase, type Settled } from '../support/repository';

let db: RepositoryDatabase;
let campaigns: CampaignRepository;
let settlements: SettlementRepository;
let userNo = 0;
const newUser = () => `user-${++userNo}`;

const QUOTAS = { campaignsPerUser: 100, runningClocksPerUser: 100 };
const WORLD_START = new Date('1200-03-01T00:00:00.000Z');

beforeAll(async () => {
  db = await openRepositoryDatabase('campaign');
  campaigns = new CampaignRepository(db.prisma);
  settlements = new SettlementRepository(db.prisma);
});
afterAll(() => db.close());

const newCampaign = (createdBy: string, overrides: { clockRunning?: boolean; clockRate?: number; name?: string } = {}, quotas = QUOTAS) =>
  campaigns.create({ name: overrides.name ?? 'Westmarch', worldTime: WORLD_START, clockRunning: overrides.clockRunning ?? false, clockRate: overrides.clockRate ?? 1, createdBy }, quotas);

const campaignRow = async (id: string) =>
  (
    await db.sql<{ world_time: Date; clock_running: boolean; clock_rate: number; ticked_at: Date; clock_started_by: string | null; updated_at: Date }>(
      `SELECT world_time, clock_running, clock_rate, ticked_at, clock_started_by, updated_at FROM campaigns WHERE id = $1`,
      [id],
    )
  )[0];
const membersOf = async (campaignId: string) =>
  db.sql<{ user_id: string; role: string; added_by: string }>(`SELECT user_id, role, added_by FROM campaign_members WHERE campaign_id = $1 ORDER BY user_id`, [campaignId]);

function expectQuota(outcome: Settled<unknown>, quota: string, limit: number): void {
  expect(outcome.ok).toBe(false);
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(DomainError);
  expect(error).toMatchObject({ code: 'quota_exceeded', details: { quota, limit } });
}

describe('CampaignRepository', () => {
  it('creates a campaign with its creator as owner', async () => {
    const alice = newUser();
    const created = await newCampaign(alice, { clockRunning: true, clockRate: 60 });
    expect(await campaignRow(created.id)).toMatchObject({ world_time: WORLD_START, clock_running: true, clock_rate: 60, clock_started_by: alice });
    expect(await membersOf(created.id)).toEqual([{ user_id: alice, role: 'owner', added_by: alice }]);
    expect(await campaigns.find(created.id)).toEqual(created);
    expect(await campaigns.roleOf(created.id, alice)).toBe('owner');
    expect(await campaigns.roleOf(created.id, newUser())).toBeNull();
    expect(await campaigns.countOwners(created.id)).toBe(1);

    const stopped = await newCampaign(alice);
    expect((await campaignRow(stopped.id)).clock_started_by).toBeNull();
  });

  it('refuses a campaign over the creator’s campaign quota or running-clock quota, storing nothing', async () => {
    const alice = newUser();
    const quotas = { campaignsPerUser: 2, runningClocksPerUser: 1 };
    await newCampaign(alice, { clockRunning: true }, quotas);
    expectQuota(await settle(newCampaign(alice, { clockRunning: true }, quotas)), 'running_clocks_per_user', 1);
    await newCampaign(alice, { clockRunning: false }, quotas); // a stopped clock does not count against the clock quota
    expectQuota(await settle(newCampaign(alice, {}, quotas)), 'campaigns_per_user', 2);
    expect(await db.sql(`SELECT 1 FROM campaigns WHERE created_by = $1`, [alice])).toHaveLength(2);
    await newCampaign(newUser(), {}, quotas); // quotas are per user
  });

  it('two clocks started at once by one user at the quota: the second waits for the first and is refused', async () => {
    const alice = newUser();
    const [one, two] = [await newCampaign(alice), await newCampaign(alice)];
    const [started, refused] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          const change = await campaigns.changeClock(tx, one.id, { running: true }, alice, 1);
          await hold();
          return change;
        }),
      () => db.uow.run((tx) => campaigns.changeClock(tx, two.id, { running: true }, alice, 1)),
    );
    expect(started?.state.clockRunning).toBe(true);
    expectQuota(refused, 'running_clocks_per_user', 1);
    expect((await campaignRow(two.id)).clock_running).toBe(false);
  });

  it('a campaign created while the same user starts a clock waits for it and counts it', async () => {
    const alice = newUser();
    const existing = await newCampaign(alice);
    const [, refused] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          await campaigns.changeClock(tx, existing.id, { running: true }, alice, 1);
          await hold();
        }),
      () => newCampaign(alice, { clockRunning: true }, { campaignsPerUser: 10, runningClocksPerUser: 1 }),
    );
    expectQuota(refused, 'running_clocks_per_user', 1);
  });

  it('locks the campaign row for the transaction: a second locker waits and then sees the first one’s change', async () => {
    const c = await newCampaign(newUser(), { name: 'before' });
    const [, second] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          await campaigns.lockCampaign(tx, c.id);
          await tx.db.campaign.update({ where: { id: c.id }, data: { name: 'after' } });
          await hold();
        }),
      () => db.uow.run((tx) => campaigns.lockCampaign(tx, c.id)),
    );
    expect(second).toMatchObject({ ok: true, value: { id: c.id, name: 'after' } });
    expect(await db.uow.run((tx) => campaigns.lockCampaign(tx, '00000000-0000-0000-0000-000000000000'))).toBeNull();
  });

  it('adds and re-roles members; a membership lock makes a concurrent change wait', async () => {
    const alice = newUser();
    const bob = newUser();
    const c = await newCampaign(alice);
    const added = await db.uow.run((tx) => campaigns.upsertMember(tx, c.id, bob, 'player', alice));
    expect(added).toMatchObject({ campaignId: c.id, userId: bob, role: 'player', addedBy: alice });
    await db.uow.run((tx) => campaigns.upsertMember(tx, c.id, bob, 'gm', newUser()));
    expect(await membersOf(c.id)).toEqual(
      [
        { user_id: alice, role: 'owner', added_by: alice },
        { user_id: bob, role: 'gm', added_by: alice }, // a role change keeps who added the member
      ].sort((x, y) => x.user_id.localeCompare(y.user_id)),
    );

    const [, second] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          await campaigns.lockMember(tx, c.id, bob);
          await campaigns.upsertMember(tx, c.id, bob, 'owner', alice);
          await hold();
        }),
      () => db.uow.run((tx) => campaigns.lockMember(tx, c.id, bob)),
    );
    expect(second).toMatchObject({ ok: true, value: { userId: bob, role: 'owner' } });
    expect(await campaigns.countOwners(c.id)).toBe(2);
    expect(await db.uow.run((tx) => campaigns.lockMember(tx, c.id, newUser()))).toBeNull();
  });

  it('removes a member, but never the last owner (the removal is rolled back)', async () => {
    const [alice, bob] = [newUser(), newUser()];
    const c = await newCampaign(alice);
    await db.uow.run((tx) => campaigns.upsertMember(tx, c.id, bob, 'player', alice));
    const [{ created_at: bobSince }] = await db.sql<{ created_at: Date }>(`SELECT created_at FROM campaign_members WHERE campaign_id = $1 AND user_id = $2`, [c.id, bob]);

    expect(await db.uow.run((tx) => campaigns.removeMember(tx, c.id, bob))).toEqual({ memberSince: bobSince });
    expect(await db.uow.run((tx) => campaigns.removeMember(tx, c.id, bob))).toBeNull();

    const lastOwner = await settle(db.uow.run((tx) => campaigns.removeMember(tx, c.id, alice)));
    expect(lastOwner.ok).toBe(false);
    expect((lastOwner as { error: Error }).error.constructor.name).toBe('LastOwnerError');
    expect(await membersOf(c.id)).toEqual([{ user_id: alice, role: 'owner', added_by: alice }]);
  });

  it('two owners removing each other at once: the second waits, then is refused, so one owner remains', async () => {
    const [alice, bob] = [newUser(), newUser()];
    const c = await newCampaign(alice);
    await db.uow.run((tx) => campaigns.upsertMember(tx, c.id, bob, 'owner', alice));
    const [removed, refused] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          const result = await campaigns.removeMember(tx, c.id, bob);
          await hold();
          return result;
        }),
      () => db.uow.run((tx) => campaigns.removeMember(tx, c.id, alice)),
    );
    expect(removed).not.toBeNull();
    expect(refused.ok).toBe(false);
    expect(await membersOf(c.id)).toEqual([{ user_id: alice, role: 'owner', added_by: alice }]);
  });

  describe('world clock', () => {
    it('anchors the time reached when the rate changes or the clock stops, and writes nothing for a no-op', async () => {
      const alice = newUser();
      const c = await newCampaign(alice, { clockRunning: true, clockRate: 3600 });
      // Pretend the clock was last anchored 10 seconds ago: 10 hours of world time have passed.
      // (Counted from a JavaScript Date, as the repository counts: the database's now() is
      // rounded to the column's milliseconds and could be up to 0.5 ms ahead of it.)
      await db.sql(`UPDATE campaigns SET ticked_at = $2::timestamptz - interval '10 seconds' WHERE id = $1`, [c.id, new Date()]);

      const change = await db.uow.run((tx) => campaigns.changeClock(tx, c.id, { rate: 60 }, alice, 10));
      expect(change?.changed).toBe(true);
      const row = await campaignRow(c.id);
      const reached = row.world_time.getTime() - WORLD_START.getTime();
      expect(reached).toBeGreaterThanOrEqual(10 * 3_600_000);
      expect(reached).toBeLessThan(70 * 3_600_000); // the 10 s plus however long this test took to get here
      expect(row).toMatchObject({ clock_rate: 60, clock_running: true });
      expect(change?.previousTime).toEqual(row.world_time);
      expect(change?.state).toEqual({ campaignId: c.id, worldTime: row.world_time, clockRate: 60, clockRunning: true, tickedAt: row.ticked_at });

      const stop = await db.uow.run((tx) => campaigns.changeClock(tx, c.id, { running: false }, alice, 10));
      expect(stop?.state.clockRunning).toBe(false);
      const stopped = await campaignRow(c.id);
      const again = await db.uow.run((tx) => campaigns.changeClock(tx, c.id, { running: false, rate: 60 }, alice, 10));
      expect(again).toEqual({ previousTime: stopped.world_time, state: expect.objectContaining({ worldTime: stopped.world_time }), changed: false });
      expect(await campaignRow(c.id)).toEqual(stopped); // nothing written, not even updated_at
    });

    it('sets and advances the world time within the years 1 to 9999', async () => {
      const alice = newUser();
      const c = await newCampaign(alice);
      const set = new Date('0500-01-01T00:00:00.000Z');
      await db.uow.run((tx) => campaigns.changeClock(tx, c.id, { set }, alice, 10));
      expect((await campaignRow(c.id)).world_time).toEqual(set);
      await db.uow.run((tx) => campaigns.changeClock(tx, c.id, { advanceBySeconds: 86_400 }, alice, 10));
      expect((await campaignRow(c.id)).world_time).toEqual(new Date('0500-01-02T00:00:00.000Z'));

      const tooFar = await settle(db.uow.run((tx) => campaigns.changeClock(tx, c.id, { set: new Date(Date.UTC(10000, 0, 1)) }, alice, 10)));
      expect(tooFar.ok).toBe(false);
      expect((tooFar as { error: unknown }).error).toMatchObject({ code: 'bad_request' });
      expect((await campaignRow(c.id)).world_time).toEqual(new Date('0500-01-02T00:00:00.000Z'));
      expect(await db.uow.run((tx) => campaigns.changeClock(tx, '00000000-0000-0000-0000-000000000000', { running: true }, alice, 10))).toBeNull();
    });

    it('re-anchors only running clocks due for the period, moving each by elapsed time × rate', async () => {
      const alice = newUser();
      const tickAt = new Date('2026-06-01T12:00:00.000Z');
      const due = await newCampaign(alice, { clockRunning: true, clockRate: 2 });
      const recent = await newCampaign(alice, { clockRunning: true, clockRate: 2 });
      const stopped = await newCampaign(alice, { clockRunning: false });
      const frozen = await newCampaign(alice, { clockRunning: true, clockRate: 0 });
      await db.sql(`UPDATE campaigns SET ticked_at = $2 WHERE id = ANY($1::text[])`, [[due.id, stopped.id, frozen.id], new Date(tickAt.getTime() - 30_000)]);
      await db.sql(`UPDATE campaigns SET ticked_at = $2 WHERE id = $1`, [recent.id, new Date(tickAt.getTime() - 5_000)]);

      expect(await campaigns.anyClockDue(tickAt, 10)).toBe(true);
      const changes = await db.uow.runSql((tx) => campaigns.reanchorDueClocks(tx, tickAt, 10));
      const mine = changes.filter((ch) => [due.id, recent.id, stopped.id, frozen.id].includes(ch.state.campaignId));
      expect(mine).toEqual([
        {
          previousTime: WORLD_START,
          changed: true,
          state: { campaignId: due.id, worldTime: new Date(WORLD_START.getTime() + 60_000), clockRate: 2, clockRunning: true, tickedAt: tickAt },
        },
      ]);
      expect(await campaignRow(due.id)).toMatchObject({ world_time: new Date(WORLD_START.getTime() + 60_000), ticked_at: tickAt });
      expect((await campaignRow(recent.id)).world_time).toEqual(WORLD_START);

      // The same tick again finds nothing due.
      const repeat = await db.uow.runSql((tx) => campaigns.reanchorDueClocks(tx, tickAt, 10));
      expect(repeat.map((ch) => ch.state.campaignId)).not.toContain(due.id);
      // …and so does the read that lets an idle tick skip its transaction.
      expect(await campaigns.anyClockDue(tickAt, 10)).toBe(false);
    });

    it('caps a re-anchored clock at the end of year 9999', async () => {
      const c = await newCampaign(newUser(), { clockRunning: true, clockRate: 1e9 });
      await db.sql(`UPDATE campaigns SET world_time = '9999-12-01T00:00:00Z', ticked_at = now() - interval '1 hour' WHERE id = $1`, [c.id]);
      await db.uow.runSql((tx) => campaigns.reanchorDueClocks(tx, new Date(), 1));
      expect((await campaignRow(c.id)).world_time).toEqual(new Date(Date.UTC(10000, 0, 1) - 1));
    });

    it('caps, instead of failing, a fast clock left long enough to pass the timestamp range', async () => {
      const stale = await newCampaign(newUser(), { clockRunning: true, clockRate: 1e7 });
      const normal = await newCampaign(newUser(), { clockRunning: true, clockRate: 1 });
      // Anchored from the tick's own time: the database's now() is rounded to the column's
      // milliseconds while a JavaScript Date is truncated, which could make "an hour" 1 ms short.
      const tickAt = new Date();
      await db.sql(`UPDATE campaigns SET world_time = '2026-01-01T00:00:00Z', ticked_at = $2::timestamptz - interval '60 days' WHERE id = $1`, [stale.id, tickAt]);
      await db.sql(`UPDATE campaigns SET world_time = '2026-01-01T00:00:00Z', ticked_at = $2::timestamptz - interval '1 hour' WHERE id = $1`, [normal.id, tickAt]);
      const changes = await db.uow.runSql((tx) => campaigns.reanchorDueClocks(tx, tickAt, 1));
      expect(changes.map((ch) => ch.state.campaignId)).toEqual(expect.arrayContaining([stale.id, normal.id]));
      expect((await campaignRow(stale.id)).world_time).toEqual(new Date(Date.UTC(10000, 0, 1) - 1));
      // The other clock in the same statement still advanced by exactly its own hour.
      const advancedMs = (await campaignRow(normal.id)).world_time.getTime() - Date.UTC(2026, 0, 1);
      expect(advancedMs).toBe(3_600_000);
    });

    it('of two ticks re-anchoring at once, the second waits for the first and finds the clock no longer due', async () => {
      const c = await newCampaign(newUser(), { clockRunning: true, clockRate: 1 });
      const tickAt = new Date(Date.now() + 3_600_000);
      const [first, second] = await contend(
        db,
        (hold) =>
          db.uow.runSql(async (tx) => {
            const result = await campaigns.reanchorDueClocks(tx, tickAt, 60);
            await hold();
            return result;
          }),
        () => db.uow.runSql((tx) => campaigns.reanchorDueClocks(tx, tickAt, 60)),
      );
      expect(first.map((ch) => ch.state.campaignId)).toContain(c.id);
      if (!second.ok) throw second.error;
      expect(second.value.map((ch) => ch.state.campaignId)).not.toContain(c.id);
    });
  });
});

describe('SettlementRepository', () => {
  it('creates, reads, updates and deletes settlements and structures, with ids of the contents', async () => {
    const alice = newUser();
    const c = await newCampaign(alice);
    const s = await db.uow.run((tx) => settlements.createSettlement(tx, c.id, { name: 'Oakvale', data: { population: 120 } }, 10));
    expect(s).not.toBeNull();
    const [stored] = await db.sql(`SELECT campaign_id, name, data FROM settlements WHERE id = $1`, [s!.id]);
    expect(stored).toEqual({ campaign_id: c.id, name: 'Oakvale', data: { population: 120 } });
    expect(await settlements.findSettlement(s!.id)).toEqual(s);

    const mill = await db.uow.run((tx) => settlements.createStructure(tx, s!, { name: 'Mill', type: 'economy', data: { level: 1 } }, 10));
    const wall = await db.uow.run((tx) => settlements.createStructure(tx, s!, { name: 'Wall', type: 'defence', data: {} }, 10));
    expect((await db.sql(`SELECT settlement_id, campaign_id, name, type, data FROM structures WHERE id = $1`, [mill!.id]))[0]).toEqual({
      settlement_id: s!.id,
      campaign_id: c.id,
      name: 'Mill',
      type: 'economy',
      data: { level: 1 },
    });
    expect(await db.uow.run((tx) => campaigns.contentIds(tx, c.id))).toEqual({ settlementIds: [s!.id], structureIds: expect.arrayContaining([mill!.id, wall!.id]) });

    // Partial updates change only what is given.
    const renamed = await db.uow.run((tx) => settlements.updateSettlement(tx, s!.id, { name: 'Oakvale Town' }));
    expect(renamed).toMatchObject({ name: 'Oakvale Town', data: { population: 120 } });
    await db.uow.run((tx) => settlements.updateStructure(tx, mill!.id, { type: 'industry', data: { level: 2 } }));
    expect((await db.sql(`SELECT name, type, data FROM structures WHERE id = $1`, [mill!.id]))[0]).toEqual({ name: 'Mill', type: 'industry', data: { level: 2 } });
    expect(await db.uow.run((tx) => settlements.updateSettlement(tx, '00000000-0000-0000-0000-000000000000', { name: 'x' }))).toBeNull();
    expect(await db.uow.run((tx) => settlements.updateStructure(tx, '00000000-0000-0000-0000-000000000000', { name: 'x' }))).toBeNull();

    expect(await db.uow.run((tx) => settlements.deleteStructure(tx, wall!.id))).toBe(true);
    expect(await db.uow.run((tx) => settlements.deleteStructure(tx, wall!.id))).toBe(false);
    expect(await settlements.findStructure(wall!.id)).toBeNull();

    // Deleting the settlement takes its structures (ON DELETE CASCADE) and says which.
    expect(await db.uow.run((tx) => settlements.deleteSettlement(tx, s!.id))).toEqual({ structureIds: [mill!.id] });
    expect(await db.sql(`SELECT 1 FROM structures WHERE settlement_id = $1`, [s!.id])).toHaveLength(0);
    expect(await db.uow.run((tx) => settlements.deleteSettlement(tx, s!.id))).toBeNull();
    expect(await db.uow.run((tx) => settlements.createStructure(tx, s!, { name: 'Late', type: 't', data: {} }, 10))).toBeNull();
  });

  it('refuses a settlement or structure over the limit, and none in a campaign that is gone', async () => {
    const c = await newCampaign(newUser());
    const s = await db.uow.run((tx) => settlements.createSettlement(tx, c.id, { name: 'one', data: {} }, 1));
    expectQuota(await settle(db.uow.run((tx) => settlements.createSettlement(tx, c.id, { name: 'two', data: {} }, 1))), 'settlements_per_campaign', 1);
    await db.uow.run((tx) => settlements.createStructure(tx, s!, { name: 'a', type: 't', data: {} }, 1));
    expectQuota(await settle(db.uow.run((tx) => settlements.createStructure(tx, s!, { name: 'b', type: 't', data: {} }, 1))), 'structures_per_settlement', 1);
    expect(await db.sql(`SELECT 1 FROM settlements WHERE campaign_id = $1`, [c.id])).toHaveLength(1);
    expect(await db.uow.run((tx) => settlements.createSettlement(tx, '00000000-0000-0000-0000-000000000000', { name: 'x', data: {} }, 10))).toBeNull();
  });

  it('two settlements created at once at the limit: the second waits for the first and is refused', async () => {
    const c = await newCampaign(newUser());
    const [created, refused] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          const result = await settlements.createSettlement(tx, c.id, { name: 'first', data: {} }, 1);
          await hold();
          return result;
        }),
      () => db.uow.run((tx) => settlements.createSettlement(tx, c.id, { name: 'second', data: {} }, 1)),
    );
    expect(created?.name).toBe('first');
    expectQuota(refused, 'settlements_per_campaign', 1);
  });

  it('locks a settlement or structure row: a second locker waits and sees the first one’s change', async () => {
    const c = await newCampaign(newUser());
    const s = (await db.uow.run((tx) => settlements.createSettlement(tx, c.id, { name: 'before', data: {} }, 10)))!;
    const [, second] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          await settlements.lockSettlement(tx, s.id);
          await settlements.updateSettlement(tx, s.id, { name: 'after' });
          await hold();
        }),
      () => db.uow.run((tx) => settlements.lockSettlement(tx, s.id)),
    );
    expect(second).toMatchObject({ ok: true, value: { name: 'after' } });

    const st = (await db.uow.run((tx) => settlements.createStructure(tx, s, { name: 'before', type: 't', data: {} }, 10)))!;
    const [, secondStructure] = await contend(
      db,
      (hold) =>
        db.uow.run(async (tx) => {
          await settlements.lockStructure(tx, st.id);
          await settlements.updateStructure(tx, st.id, { name: 'after' });
          await hold();
        }),
      () => db.uow.run((tx) => settlements.lockStructure(tx, st.id)),
    );
    expect(secondStructure).toMatchObject({ ok: true, value: { name: 'after' } });
  });

  it('deleting a campaign deletes its members, settlements and structures', async () => {
    const alice = newUser();
    const c = await newCampaign(alice);
    const s = (await db.uow.run((tx) => settlements.createSettlement(tx, c.id, { name: 's', data: {} }, 10)))!;
    const st = (await db.uow.run((tx) => settlements.createStructure(tx, s, { name: 'st', type: 't', data: {} }, 10)))!;
    await db.sql(`DELETE FROM campaigns WHERE id = $1`, [c.id]);
    expect(await campaigns.findWithContents(c.id)).toBeNull();
    expect(await settlements.findSettlement(s.id)).toBeNull();
    expect(await settlements.findStructure(st.id)).toBeNull();
    expect(await campaigns.roleOf(c.id, alice)).toBeNull();
  });

  it('reads a campaign with members, settlements and structures in creation order', async () => {
    const alice = newUser();
    const c = await newCampaign(alice);
    const names = ['zeta', 'alpha', 'mid']; // creation order, which is neither name nor id order
    const made: NonNullable<Awaited<ReturnType<SettlementRepository['createSettlement']>>>[] = [];
    for (const name of names) made.push((await db.uow.run((tx) => settlements.createSettlement(tx, c.id, { name, data: {} }, 10)))!);
    for (const name of ['b', 'a']) await db.uow.run((tx) => settlements.createStructure(tx, made[1], { name, type: 't', data: {} }, 10));
    // Distinct creation times, whatever the clock's resolution.
    await db.sql(`UPDATE settlements SET created_at = CASE name WHEN 'zeta' THEN '2026-01-01Z' WHEN 'alpha' THEN '2026-01-02Z' ELSE '2026-01-03Z' END::timestamptz WHERE campaign_id = $1`, [c.id]);
    await db.sql(`UPDATE structures SET created_at = CASE name WHEN 'b' THEN '2026-01-01Z' ELSE '2026-01-02Z' END::timestamptz WHERE campaign_id = $1`, [c.id]);
    const contents = await campaigns.findWithContents(c.id);
    expect(contents?.members.map((m) => m.userId)).toEqual([alice]);
    expect(contents?.settlements.map((s) => s.name)).toEqual(names);
    expect(contents?.settlements[1].structures.map((st) => st.name)).toEqual(['b', 'a']);
  });
});
