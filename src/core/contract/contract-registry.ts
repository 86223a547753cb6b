import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { subscribeAck, subscribeRequest, unsubscribeRequest } from '../realtime/channel-subscriptions';
import { refreshAck, refreshRequest, resyncNotice, socketErrorPayload, systemDisconnectPayload } from '../realtime/system-events';
import type { ClientEventContract, NamespaceContract, RawFeedContract, ServerEventContract } from './namespace-contract';
import { jsonSchemaOf } from './zod-schema';

/** What the kernel installs on every namespace, so it is described once here. */
const KERNEL_SERVER_EVENTS: Record<string, ServerEventContract> = {
  error: { payload: socketErrorPayload, description: 'A refused request that had no acknowledgement callback, or a token that expired' },
  'system:resync': { payload: resyncNotice, description: 'Sent instead of a replay the log cannot give: refetch the channel' },
  'system:disconnect': {
    payload: systemDisconnectPayload,
    description: 'Sent before the server closes the connection; reconnect after reconnectInMs',
  },
};
const KERNEL_CLIENT_EVENTS: Record<string, ClientEventContract> = {
  subscribe: {
    payload: subscribeRequest,
    ack: subscribeAck,
    description: 'Follow channels; with `since`, the events after that offset are replayed first, in order, once',
  },
  unsubscribe: { payload: unsubscribeRequest, ack: subscribeAck, description: 'Stop following channels' },
  'auth:refresh': { payload: refreshRequest, ack: refreshAck, description: 'Replace the connection token before it expires' },
};

const keyOf = (name: string) => name.replace(/^\//, '').replace(/[^A-Za-z0-9.\-_]+/g, '.');

/**
 * Collects what each module says about its namespaces (socket events with zod payloads,
 * acks, channel names) and the raw feeds, and renders them as AsyncAPI 3.0. The same zod
 * declarations validate the inbound payloads, so the document cannot drift from them.
 */
@Injectable()
export class ContractRegistry {
  private readonly namespaces = new Map<string, NamespaceContract>();
  private readonly rawFeeds: RawFeedContract[] = [];

  describe(part: NamespaceContract): void {
    const known = this.namespaces.get(part.namespace);
    if (!known) {
      this.namespaces.set(part.namespace, {
        ...part,
        channels: { ...part.channels },
        serverEvents: { ...part.serverEvents },
        clientEvents: { ...part.clientEvents },
      });
      return;
    }
    known.description = `${known.description}\n\n${part.description}`;
    Object.assign(known.channels, part.channels);
    Object.assign(known.serverEvents, part.serverEvents);
    Object.assign(known.clientEvents, part.clientEvents);
  }

  describeRawFeed(feed: RawFeedContract): void {
    this.rawFeeds.push(feed);
  }

  namespaceNames(): string[] {
    return [...this.namespaces.keys()].sort();
  }

  asyncApi(host: string): Record<string, unknown> {
    const channels: Record<string, unknown> = {};
    const operations: Record<string, unknown> = {};
    const messages: Record<string, unknown> = {};

    const addMessage = (
      channelKey: string,
      channelMessages: Record<string, unknown>,
      name: string,
      schema: z.ZodType,
      io: 'input' | 'output',
      summary: string,
    ) => {
      const key = keyOf(name);
      const componentKey = `${channelKey}.${key}`;
      messages[componentKey] = { name, summary, contentType: 'application/json', payload: jsonSchemaOf(schema, io, 'draft-07') };
      channelMessages[key] = { $ref: `#/components/messages/${componentKey}` };
      return key;
    };

    for (const ns of [...this.namespaces.values()].sort((a, b) => a.namespace.localeCompare(b.namespace))) {
      const channelKey = keyOf(ns.namespace);
      const channelMessages: Record<string, unknown> = {};
      const rooms = Object.entries(ns.channels)
        .map(([name, who]) => `- \`${name}\`: ${who}`)
        .join('\n');
      channels[channelKey] = {
        address: ns.namespace,
        title: `Socket.IO namespace ${ns.namespace}`,
        description: `${ns.description}\n\nChannels (rooms), followed with \`subscribe {channels, since?}\`:\n${rooms}`,
        servers: [{ $ref: '#/servers/herald' }],
        messages: channelMessages,
      };
      const ref = { $ref: `#/channels/${channelKey}` };
      const serverEvents = { ...KERNEL_SERVER_EVENTS, ...ns.serverEvents };
      for (const [name, event] of Object.entries(serverEvents)) {
        const payload =
          event.replayable && event.payload instanceof z.ZodObject
            ? event.payload.extend({ offset: z.string().describe('Event-log offset, increasing within its channel') })
            : event.payload;
        const key = addMessage(channelKey, channelMessages, name, payload, 'output', event.description);
        operations[`${channelKey}.send.${key}`] = {
          action: 'send',
          channel: ref,
          summary: event.description,
          messages: [{ $ref: `#/channels/${channelKey}/messages/${key}` }],
        };
      }
      const clientEvents = { ...KERNEL_CLIENT_EVENTS, ...ns.clientEvents };
      for (const [name, event] of Object.entries(clientEvents)) {
        const key = addMessage(channelKey, channelMessages, name, event.payload, 'input', event.description);
        const operation: Record<string, unknown> = {
          action: 'receive',
          channel: ref,
          summary: event.description,
          messages: [{ $ref: `#/channels/${channelKey}/messages/${key}` }],
        };
        if (event.ack) {
          const ackKey = addMessage(
            channelKey,
            channelMessages,
            `${name} (ack)`,
            event.ack,
            'output',
            `Acknowledgement of ${name}`,
          );
          operation.reply = { channel: ref, messages: [{ $ref: `#/channels/${channelKey}/messages/${ackKey}` }] };
        }
        operations[`${channelKey}.receive.${key}`] = operation;
      }
    }

    for (const feed of this.rawFeeds) {
      const channelKey = keyOf(feed.path);
      const channelMessages: Record<string, unknown> = {};
      channels[channelKey] = {
        address: feed.path,
        title: `Raw WebSocket ${feed.path}`,
        description: feed.description,
        servers: [{ $ref: '#/servers/rawFeed' }],
        messages: channelMessages,
      };
      for (const [name, frame] of Object.entries(feed.frames)) {
        const key = addMessage(channelKey, channelMessages, name, frame.payload, 'output', frame.description);
        operations[`${channelKey}.send.${key}`] = {
          action: 'send',
          channel: { $ref: `#/channels/${channelKey}` },
          summary: frame.description,
          messages: [{ $ref: `#/channels/${channelKey}/messages/${key}` }],
        };
      }
    }

    return {
      asyncapi: '3.0.0',
      info: {
        title: 'Herald realtime API',
        version: '1.0.0',
        description:
          'Socket.IO namespaces (one AsyncAPI channel each; rooms are described per channel) and the raw killmail feed. ' +
          'Every Socket.IO connection needs a JWT: `auth.token` in the handshake, `?token=`, or `Authorization: Bearer`. ' +
          'A refused connection gets `connect_error` with `data: {code, message}`.',
      },
      defaultContentType: 'application/json',
      servers: {
        herald: {
          host,
          protocol: 'ws',
          description: 'Socket.IO (Engine.IO v4: long-polling, then WebSocket) on the HTTP port',
          security: [{ $ref: '#/components/securitySchemes/jwt' }],
        },
        rawFeed: { host, protocol: 'ws', description: 'Plain WebSocket, peers in INTERNAL_NETWORKS only; server-emits-only' },
      },
      channels,
      operations,
      components: {
        messages,
        securitySchemes: {
          jwt: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'Socket.IO: handshake `auth.token` (or `?token=`, or the Authorization header)',
          },
        },
      },
    };
  }
}
