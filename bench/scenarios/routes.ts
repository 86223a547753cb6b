/**
 * How P5 publishes over HTTP on B. A always takes the bare baseline route (node:http, one
 * INSERT, emit); B takes `P5_ROUTE`. A route says where the audience connects, how a
 * member gets into exactly one room of its own, what must exist first, and the request
 * body carrying the bench stamp `{room, seq, t}` (the probe finds it at the top of a
 * payload, under `data`, or under `data.details`).
 */
import { NAMESPACES } from '../../src/core/realtime/namespaces';
import { DEFAULT_CHANNELS } from '../../src/modules/intelligence/intelligence.events';
import { BENCH_NS, type BenchPayload } from '../servers/payload';

/** A Socket.IO event a member emits after connecting, acknowledged before it counts as ready. */
export interface JoinEmit {
  event: string;
  data: unknown;
}

export interface SetupRequest {
  method: 'PUT' | 'POST';
  path: string;
  body: unknown;
}

export interface PublishRoute {
  name: string;
  path: string;
  /** The namespace B's audience connects to. */
  namespace: string;
  /** The name of audience room `r` (0-based). */
  room(r: number): string;
  /** Emits that put a member in `room` and in no other room the events reach; none: handshake `auth.rooms`. */
  joins?(room: string): JoinEmit[];
  /** Requests (service token) that must succeed before the audience connects. */
  setup?(rooms: string[]): SetupRequest[];
  /** The request body for one event to `room`. */
  body(room: string, payload: BenchPayload): unknown;
}

const countryOf = (room: string) => room.slice('country:'.length);

export const ROUTES = {
  benchDriver: {
    name: 'bench driver (POST /api/bench/publish → BenchPublisher → event log → emit)',
    path: '/api/bench/publish',
    namespace: BENCH_NS,
    room: (r) => `room:r${r}`,
    body: (room, payload) => ({ room, payload }),
  },
  intelligence: {
    name: 'intelligence module (POST /api/intelligence/updates → country check, item INSERT, event log → emit)',
    path: '/api/intelligence/updates',
    namespace: NAMESPACES.intelligence,
    room: (r) => `country:bench${r}`,
    // Members leave the default channels (every update also goes to `all`, which would make
    // each publish reach all 1,000) and follow one country each.
    joins: (room) => [
      { event: 'unsubscribe', data: { channels: DEFAULT_CHANNELS } },
      { event: 'subscribe', data: { channels: [room] } },
    ],
    setup: (rooms) =>
      rooms.map((room) => ({
        method: 'PUT' as const,
        path: `/api/countries/${countryOf(room)}`,
        body: { name: `Bench ${countryOf(room)}`, gdp: 1e9, population: 1e6, vitality: 50, economicTier: 'bench' },
      })),
    body: (room, payload) => ({ countryId: countryOf(room), category: 'economic', priority: 'low', title: 'bench update', data: payload }),
  },
} satisfies Record<string, PublishRoute>;

export type RouteName = keyof typeof ROUTES;

/**
 * Batch publishing (P9): `{ items: [...] }` of up to 500 items in one request, one
 * transaction, per-item results. Each item of a real module's batch is exactly the body
 * of its single route, with `dedupeKey` as the per-item idempotency key.
 */
export interface BatchRoute {
  name: string;
  path: string;
  /** The name of room `r`: a country, a user, a bench room. */
  room(r: number): string;
  setup?(rooms: string[]): SetupRequest[];
  item(room: string, payload: BenchPayload, key: string): unknown;
}

export const BATCH_ROUTES = {
  bare: {
    name: 'node:http, one multi-row INSERT per batch in one transaction, then emit',
    path: '/api/bench/batch',
    room: (r) => `room:r${r}`,
    item: (room, payload) => ({ room, payload }),
  },
  intelligence: {
    name: 'POST /api/intelligence/updates/batch',
    path: '/api/intelligence/updates/batch',
    room: ROUTES.intelligence.room,
    setup: ROUTES.intelligence.setup,
    item: (room, payload, key) => ({ ...ROUTES.intelligence.body(room, payload), dedupeKey: key }),
  },
  notifications: {
    name: 'POST /api/notifications/batch',
    path: '/api/notifications/batch',
    room: (r) => `bench-user${r}`,
    item: (userId, payload, key) => ({
      userId,
      eventKey: 'bench.batch',
      category: 'system',
      priority: 'low',
      title: 'bench notification',
      body: '',
      data: payload,
      dedupeKey: key,
    }),
  },
} satisfies Record<string, BatchRoute>;

export type BatchRouteName = keyof typeof BATCH_ROUTES;

/** The route P5 drives on B. */
export const P5_ROUTE: RouteName = 'intelligence';
/** A's route: the bare baseline. */
export const BARE_ROUTE: RouteName = 'benchDriver';
