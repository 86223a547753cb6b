/**
 * GET /api/asyncapi.json: a valid AsyncAPI 3.0 document (parsed with @asyncapi/parser,
 * failing on any error) describing every namespace, the raw feed, each server → client
 * event with its payload and each client → server event with its acknowledgement.
 */
import { Parser } from '@asyncapi/parser';
import { startTestApp, type TestApp } from '../support/app';
import { http } from '../support/clients';

interface Doc {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  operations: Record<
    string,
    { action: 'send' | 'receive'; channel: { $ref: string }; reply?: unknown; messages: Array<{ $ref: string }> }
  >;
  components: { messages: Record<string, { name: string; payload: Record<string, unknown> }> };
}

describe('AsyncAPI contract', () => {
  let app: TestApp;
  let doc: Doc;

  beforeAll(async () => {
    app = await startTestApp();
    const res = await http<Doc>(app.url, 'GET', '/api/asyncapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('parses as AsyncAPI 3.0 without a single error', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const errors = diagnostics.filter((d) => Number(d.severity) === 0 /* error */).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
  });

  it('has every namespace and the raw feed as channels', () => {
    const addresses = Object.values(doc.channels)
      .map((c) => c.address)
      .sort();
    expect(addresses).toEqual(['/updates', '/ws/admin', '/ws/app', '/ws/campaign', '/ws/intelligence', '/ws/killmail']);
  });

  it('describes every event each namespace sends, with offset on replayable ones, and every request with its ack', () => {
    const sent = (address: string) => {
      const [key] = Object.entries(doc.channels).find(([, c]) => c.address === address)!;
      return Object.values(doc.operations)
        .filter((o) => o.channel.$ref === `#/channels/${key}` && o.action === 'send')
        .map((o) => refMessage(o.messages[0].$ref));
    };
    const refMessage = (ref: string) => {
      const [, , channel, , message] = ref.split('/');
      const target = doc.channels[channel].messages[message].$ref.split('/').pop()!;
      return doc.components.messages[target];
    };
    const names = (address: string) =>
      sent(address)
        .map((m) => m.name)
        .sort();
    expect(names('/ws/app')).toEqual(
      [
        'conversations:typing',
        'error',
        'messages:deleted',
        'messages:new',
        'messages:updated',
        'notifications:count',
        'notifications:new',
        'notifications:ready',
        'presence:update',
        'system:disconnect',
        'system:resync',
      ].sort(),
    );
    // The operator feed: its stats, and the kernel's events every namespace may send.
    expect(names('/ws/admin')).toEqual(['admin:stats', 'error', 'system:disconnect', 'system:resync'].sort());
    const stats = sent('/ws/admin').find((m) => m.name === 'admin:stats');
    expect(JSON.stringify(stats)).toContain('deliveredPerSecond');
    expect(names('/ws/campaign')).toEqual(
      [
        'entity_updated',
        'error',
        'settlement_updated',
        'state_invalidated',
        'structure_updated',
        'subscription_revoked',
        'system:disconnect',
        'system:resync',
        'world_time_changed',
      ].sort(),
    );
    expect(names('/ws/intelligence')).toEqual(
      [
        'economic:change',
        'error',
        'intelligence:alert',
        'intelligence:update',
        'system:disconnect',
        'system:event',
        'system:resync',
        'vitality:update',
      ].sort(),
    );
    expect(names('/ws/killmail')).toEqual(['error', 'killmail', 'system:disconnect', 'system:resync'].sort());

    const newMessage = sent('/ws/app').find((m) => m.name === 'messages:new')!;
    expect(newMessage.payload).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['conversationId', 'message', 'recipients', 'offset']),
    });
    const update = sent('/ws/intelligence').find((m) => m.name === 'intelligence:update')!;
    expect(Object.keys(update.payload.properties as object)).toEqual(
      expect.arrayContaining(['title', 'description', 'severity', 'offset', 'priority']),
    );

    // Every namespace takes the one subscribe, with its acknowledgement.
    for (const [key, channel] of Object.entries(doc.channels)) {
      if (channel.address === '/updates') continue;
      const receives = Object.values(doc.operations).filter(
        (o) => o.channel.$ref === `#/channels/${key}` && o.action === 'receive',
      );
      const subscribe = receives.find((o) => refMessage(o.messages[0].$ref).name === 'subscribe');
      expect({ address: channel.address, subscribe: Boolean(subscribe?.reply) }).toEqual({
        address: channel.address,
        subscribe: true,
      });
      // Every request this namespace takes is acknowledged.
      expect(receives.filter((o) => o.reply === undefined).map((o) => refMessage(o.messages[0].$ref).name)).toEqual([]);
    }
  });
});
