/**
 * @herald/client — subscriptions to Herald's namespaces that survive reconnects.
 *
 * One Socket.IO connection per namespace, opened on the first subscription to it. Every
 * (re)connect asks `getToken()` for a token and re-subscribes each subscription with
 * `since` = the offset of the last event it delivered, so events published while away
 * arrive once and in order; duplicates (an event both live and replayed) are dropped by
 * offset. Tokens are refreshed on the open connection (`auth:refresh`) before they expire.
 */
import { io, type Socket } from 'socket.io-client';
import type { EventArgs, HeraldNamespace, ResyncNotice, ResyncReason, SubscribeAck, SystemDisconnect } from './events.js';

export type * from './events.js';

/** Where each subscription's last offset is kept between reconnects (and, with localStorage, page loads). */
export interface OffsetStore {
  get(key: string): string | undefined;
  set(key: string, offset: string): void;
  delete(key: string): void;
}

export class MemoryOffsetStore implements OffsetStore {
  private readonly offsets = new Map<string, string>();
  get(key: string) {
    return this.offsets.get(key);
  }
  set(key: string, offset: string) {
    this.offsets.set(key, offset);
  }
  delete(key: string) {
    this.offsets.delete(key);
  }
}

/** The part of the Web Storage API the offset store uses. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Keeps offsets in `localStorage` (browsers), so a reloaded page resumes where it stopped. */
export class LocalStorageOffsetStore implements OffsetStore {
  private readonly storage: KeyValueStorage;

  constructor(
    private readonly prefix = 'herald:offset:',
    storage?: KeyValueStorage,
  ) {
    const found = storage ?? (globalThis as { localStorage?: KeyValueStorage }).localStorage;
    if (!found) throw new Error('LocalStorageOffsetStore: no localStorage here; pass a storage or use MemoryOffsetStore');
    this.storage = found;
  }
  get(key: string) {
    return this.storage.getItem(this.prefix + key) ?? undefined;
  }
  set(key: string, offset: string) {
    this.storage.setItem(this.prefix + key, offset);
  }
  delete(key: string) {
    this.storage.removeItem(this.prefix + key);
  }
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface ResyncEvent {
  namespace: HeraldNamespace;
  channel: string;
  reason: ResyncReason;
}

export interface StateEvent {
  namespace: HeraldNamespace;
  state: ConnectionState;
}

/** A refused subscription, a failed token refresh, or an `error` event from the server. */
export interface ClientError {
  namespace: HeraldNamespace;
  channel?: string;
  code: string;
  message: string;
}

interface ClientEvents {
  /** The server could not replay what a subscription missed: refetch that channel's state. */
  resync: ResyncEvent;
  /** The client's overall state: connected when every open connection is, disconnected when none is. */
  state: ConnectionState;
  error: ClientError;
}

export interface HeraldClientOptions {
  /** Base URL of the server, e.g. `https://herald.example.com`. */
  url: string;
  /** Called at every connect and before the current token expires. */
  getToken: () => Promise<string>;
  offsets?: OffsetStore;
  /**
   * After a `too_far_behind` resync, fetch the missed events through `GET /api/history`
   * and deliver them in order before the live ones (default false: only the `resync` event).
   */
  pageHistoryOnResync?: boolean;
  /** Default: polling first, then the upgrade to WebSocket (works through any proxy). */
  transports?: Array<'polling' | 'websocket'>;
  /** First reconnect delay and its cap, in ms (exponential backoff with jitter). */
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
}

export interface SubscribeOptions {
  /** Resume after this offset (default: the offset store's value for this channel, if any). */
  since?: string;
}

export interface Subscription {
  readonly namespace: HeraldNamespace;
  readonly channel: string;
  /** Offset of the last event delivered to this subscription. */
  readonly lastOffset: string | undefined;
  unsubscribe(): void;
}

export interface HeraldClient {
  subscribe<N extends HeraldNamespace>(
    namespace: N,
    channel: string,
    handler: (...args: EventArgs<N>) => void,
    options?: SubscribeOptions,
  ): Subscription;
  on<K extends keyof ClientEvents>(event: K, listener: (value: ClientEvents[K]) => void): () => void;
  readonly state: ConnectionState;
  close(): Promise<void>;
}

export function createHeraldClient(options: HeraldClientOptions): HeraldClient {
  return new Client(options);
}

const ACK_TIMEOUT_MS = 10_000;
/** Refresh this long before expiry at most (less for short-lived tokens: a third of their life). */
const REFRESH_MARGIN_MS = 60_000;
const PAGE_LIMIT = 500;

type Listener = (value: never) => void;

class Client implements HeraldClient {
  readonly offsets: OffsetStore;
  private readonly connections = new Map<HeraldNamespace, Connection>();
  private readonly listeners = new Map<keyof ClientEvents, Set<Listener>>();
  private current: ConnectionState = 'disconnected';
  closed = false;

  constructor(readonly options: HeraldClientOptions) {
    this.offsets = options.offsets ?? new MemoryOffsetStore();
  }

  get state(): ConnectionState {
    return this.current;
  }

  subscribe<N extends HeraldNamespace>(
    namespace: N,
    channel: string,
    handler: (...args: EventArgs<N>) => void,
    options: SubscribeOptions = {},
  ): Subscription {
    if (this.closed) throw new Error('this Herald client is closed');
    let connection = this.connections.get(namespace);
    if (!connection) {
      connection = new Connection(this, namespace);
      this.connections.set(namespace, connection);
      connection.open();
    }
    const key = `${namespace} ${channel}`;
    const sub = new Sub(connection, channel, key, handler as SubHandler, options.since ?? this.offsets.get(key));
    connection.add(sub);
    return sub;
  }

  on<K extends keyof ClientEvents>(event: K, listener: (value: ClientEvents[K]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof ClientEvents>(event: K, value: ClientEvents[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (v: ClientEvents[K]) => void)(value);
      } catch (err) {
        // A listener's bug must not stop delivery to the others.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  dropConnection(namespace: HeraldNamespace): void {
    this.connections.delete(namespace);
    this.updateState();
  }

  updateState(): void {
    const states = [...this.connections.values()].map((c) => c.state);
    const next: ConnectionState =
      !states.length || states.every((s) => s === 'disconnected')
        ? 'disconnected'
        : states.every((s) => s === 'connected')
          ? 'connected'
          : 'connecting';
    if (next === this.current) return;
    this.current = next;
    this.emit('state', next);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const connection of [...this.connections.values()]) connection.close();
    this.connections.clear();
    this.updateState();
  }
}

type SubHandler = (event: string, payload: unknown) => void;

class Sub implements Subscription {
  /** Events held while missed history is paged in, then delivered after it. */
  held: Array<[string, Record<string, unknown>]> | undefined;
  active = true;

  constructor(
    private readonly connection: Connection,
    readonly channel: string,
    readonly key: string,
    private readonly handler: SubHandler,
    public lastOffset: string | undefined,
  ) {}

  get namespace(): HeraldNamespace {
    return this.connection.namespace;
  }

  /** Delivers one event unless this subscription already has it (by offset). */
  deliver(event: string, payload: Record<string, unknown>): void {
    if (!this.active) return;
    if (this.held) {
      this.held.push([event, payload]);
      return;
    }
    const offset = payload.offset;
    if (typeof offset === 'string') {
      if (this.lastOffset !== undefined && BigInt(offset) <= BigInt(this.lastOffset)) return;
      this.lastOffset = offset;
      this.connection.client.offsets.set(this.key, offset);
    }
    try {
      this.handler(event, payload);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  unsubscribe(): void {
    if (!this.active) return;
    this.active = false;
    this.connection.remove(this);
  }
}

class Connection {
  readonly socket: Socket;
  state: ConnectionState = 'connecting';
  private readonly subs = new Set<Sub>();
  private attempt = 0;
  private reconnectHint: number | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    readonly client: Client,
    readonly namespace: HeraldNamespace,
  ) {
    const { url, transports } = client.options;
    this.socket = io(url.replace(/\/$/, '') + namespace, {
      forceNew: true,
      autoConnect: false,
      // Reconnects are ours: they must wait for the server's `reconnectInMs` and resume each subscription.
      reconnection: false,
      transports: transports ?? ['polling', 'websocket'],
      // Called by Socket.IO at every connect attempt: each one gets a current token.
      auth: (cb) => {
        client.options.getToken().then(
          (token) => {
            this.scheduleRefresh(token);
            cb({ token });
          },
          (err: unknown) => {
            this.report(undefined, 'client:get_token_failed', String(err));
            cb({});
          },
        );
      },
    });
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
    this.socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      if (err.data?.code) this.report(undefined, err.data.code, err.data.message ?? err.message);
      this.setState('disconnected');
      this.scheduleReconnect();
    });
    this.socket.on('system:disconnect', (notice: SystemDisconnect) => {
      if (typeof notice?.reconnectInMs === 'number' && notice.reconnectInMs >= 0) this.reconnectHint = notice.reconnectInMs;
    });
    this.socket.on('system:resync', (notice: ResyncNotice) => this.onResync(notice));
    this.socket.on('error', (body: { code?: string; message?: string }) =>
      this.report(undefined, body?.code ?? 'socket_error', body?.message ?? ''),
    );
    this.socket.onAny((event: string, payload: unknown) => this.dispatch(event, payload));
  }

  open(): void {
    this.client.updateState();
    this.socket.connect();
  }

  add(sub: Sub): void {
    this.subs.add(sub);
    if (this.socket.connected) this.sendSubscribe(sub);
  }

  remove(sub: Sub): void {
    this.subs.delete(sub);
    if (!this.subs.size) {
      this.close();
      this.client.dropConnection(this.namespace);
      return;
    }
    if (this.socket.connected && ![...this.subs].some((s) => s.channel === sub.channel)) {
      this.socket.emit('unsubscribe', { channels: [sub.channel] });
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.refreshTimer);
    for (const sub of this.subs) sub.active = false;
    this.subs.clear();
    this.socket.disconnect();
    this.setState('disconnected');
  }

  private onConnect(): void {
    this.attempt = 0;
    this.reconnectHint = undefined;
    this.setState('connected');
    for (const sub of this.subs) this.sendSubscribe(sub);
  }

  private onDisconnect(reason: string): void {
    clearTimeout(this.refreshTimer);
    this.setState('disconnected');
    if (reason !== 'io client disconnect') this.scheduleReconnect();
  }

  private sendSubscribe(sub: Sub): void {
    const request = { channels: [sub.channel], ...(sub.lastOffset !== undefined ? { since: sub.lastOffset } : {}) };
    this.socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck('subscribe', request)
      .then((ack: SubscribeAck) => {
        if (!ack?.success && sub.active)
          this.report(sub.channel, ack?.code ?? 'socket_error', ack?.error ?? 'subscription refused');
      })
      // A timeout means the connection went away; the next connect subscribes again.
      .catch(() => undefined);
  }

  private dispatch(event: string, payload: unknown): void {
    if (event === 'system:resync' || event === 'system:disconnect' || event === 'error') return;
    if (typeof payload !== 'object' || payload === null) return;
    const body = payload as Record<string, unknown>;
    const maybe: Sub[] = [];
    let matched = false;
    for (const sub of this.subs) {
      const verdict = routes(this.namespace, sub.channel, event, body);
      if (verdict) {
        matched = true;
        sub.deliver(event, body);
      } else if (verdict === undefined) {
        maybe.push(sub);
      }
    }
    // The server sent it for one of this connection's channels; when no channel can claim
    // it for sure, it is for those that cannot tell (e.g. a killmail's attacker side).
    if (!matched) for (const sub of maybe) sub.deliver(event, body);
  }

  private onResync(notice: ResyncNotice): void {
    if (!notice || typeof notice.channel !== 'string') return;
    for (const sub of this.subs) {
      if (sub.channel !== notice.channel) continue;
      this.client.emit('resync', { namespace: this.namespace, channel: sub.channel, reason: notice.reason });
      if (notice.reason === 'too_far_behind' && this.client.options.pageHistoryOnResync && sub.lastOffset !== undefined) {
        void this.pageHistory(sub);
      }
    }
  }

  /** Fetches what the replay left out through GET /api/history, holding live events until it is in. */
  private async pageHistory(sub: Sub): Promise<void> {
    if (sub.held) return;
    sub.held = [];
    try {
      let since = sub.lastOffset!;
      for (;;) {
        const token = await this.client.options.getToken();
        const query = new URLSearchParams({ channel: sub.channel, since, limit: String(PAGE_LIMIT) });
        const res = await fetch(`${this.client.options.url.replace(/\/$/, '')}/api/history?${query}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        if (!res.ok) throw new Error(`GET /api/history answered ${res.status}`);
        const page = (await res.json()) as {
          events: Array<{ event: string; payload: Record<string, unknown> }>;
          hasMore: boolean;
          nextSince: string | null;
          resync?: ResyncNotice;
        };
        if (page.resync) {
          this.client.emit('resync', { namespace: this.namespace, channel: sub.channel, reason: page.resync.reason });
          break;
        }
        // History goes through the normal path (offset checks); live events stay held meanwhile.
        const held: Sub['held'] = sub.held;
        sub.held = undefined;
        for (const e of page.events) sub.deliver(e.event, e.payload);
        sub.held = held;
        if (!page.hasMore || !page.nextSince) break;
        since = page.nextSince;
      }
    } catch (err) {
      this.report(sub.channel, 'client:history_failed', String(err));
    } finally {
      const held = sub.held ?? [];
      sub.held = undefined;
      for (const [event, payload] of held) sub.deliver(event, payload);
    }
  }

  /** Reconnects after the server's hint (plus jitter, so a restarted node is not hit all at once) or with backoff. */
  private scheduleReconnect(): void {
    if (this.closed || this.client.closed || this.reconnectTimer !== undefined) return;
    const base = this.client.options.reconnectDelayMs ?? 500;
    const max = this.client.options.reconnectDelayMaxMs ?? 10_000;
    const hint = this.reconnectHint;
    this.reconnectHint = undefined;
    const delay =
      hint !== undefined
        ? hint + Math.random() * Math.min(5_000, 250 + hint / 2)
        : Math.min(max, base * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt++;
    this.setState('connecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed && !this.socket.connected) this.socket.connect();
    }, delay);
  }

  /** Refreshes the token on the open connection a little before it expires. */
  private scheduleRefresh(token: string): void {
    clearTimeout(this.refreshTimer);
    const claims = decodeClaims(token);
    if (claims?.exp === undefined) return;
    const remaining = claims.exp * 1000 - Date.now();
    const lifetime = claims.iat !== undefined ? (claims.exp - claims.iat) * 1000 : remaining;
    const delay = Math.max(0, Math.min(remaining, lifetime) - Math.min(REFRESH_MARGIN_MS, lifetime / 3));
    this.refreshTimer = setTimeout(() => void this.refresh(), delay);
  }

  private async refresh(): Promise<void> {
    if (this.closed || !this.socket.connected) return;
    try {
      const token = await this.client.options.getToken();
      const ack = (await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('auth:refresh', { token })) as SubscribeAck;
      if (!ack?.success) throw new Error(`${ack?.code ?? 'refused'}: ${ack?.error ?? ''}`);
      this.scheduleRefresh(token);
    } catch (err) {
      // The server closes the connection at expiry; the reconnect then fetches a new token.
      this.report(undefined, 'client:refresh_failed', String(err));
    }
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.client.updateState();
  }

  private report(channel: string | undefined, code: string, message: string): void {
    this.client.emit('error', { namespace: this.namespace, ...(channel !== undefined ? { channel } : {}), code, message });
  }
}

function decodeClaims(token: string): { exp?: number; iat?: number } | undefined {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '='))) as { exp?: number; iat?: number };
  } catch {
    return undefined;
  }
}

/**
 * Whether an event belongs to a channel, from the server's routing rules: true, false, or
 * undefined where the payload cannot tell (a killmail's attackers are not in the event).
 */
export function routes(
  namespace: HeraldNamespace,
  channel: string,
  event: string,
  p: Record<string, unknown>,
): boolean | undefined {
  const colon = channel.indexOf(':');
  const kind = colon < 0 ? channel : channel.slice(0, colon);
  const id = colon < 0 ? undefined : channel.slice(colon + 1);
  switch (namespace) {
    case '/ws/intelligence': {
      if (channel === 'all') return true;
      if (channel === 'system:events') return event === 'system:event';
      if (event === 'system:event') return false;
      if (channel === 'global:intelligence') return true;
      if (channel === 'intelligence:alerts')
        return event === 'intelligence:alert' || p.priority === 'high' || p.priority === 'critical';
      if (kind === 'country') return p.countryId === id;
      return p.category === (kind === 'intelligence' ? id : channel);
    }
    case '/ws/app':
      if (kind === 'conversation') return p.conversationId === id;
      if (kind === 'user') {
        if (event.startsWith('notifications:')) return true;
        if (event.startsWith('messages:')) return Array.isArray(p.recipients) && p.recipients.includes(id);
        if (event === 'presence:update') return p.userId === id && Array.isArray(p.sockets);
        return false;
      }
      return undefined;
    case '/ws/campaign': {
      if (kind === 'campaign') return p.campaignId === id;
      const entity = p.type === 'entity_updated' && p.entityType === kind && p.entityId === id;
      if (kind === 'settlement') return entity || p.settlementId === id;
      if (kind === 'structure') return entity || p.structureId === id;
      return undefined;
    }
    case '/ws/killmail': {
      const data = (p.data ?? {}) as Record<string, unknown>;
      const n = Number(id);
      if (channel === 'killstream') return true;
      if (kind === 'system') return data.systemId === n;
      if (kind === 'ship') return data.shipTypeId === n;
      const victim =
        kind === 'character'
          ? data.victimId
          : kind === 'corporation'
            ? data.victimCorporationId
            : kind === 'alliance'
              ? data.victimAllianceId
              : undefined;
      return victim === n ? true : undefined;
    }
  }
}
