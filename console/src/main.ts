/**
 * The operator console: signs in with an admin token (session storage only), follows the
 * `/ws/admin` stats feed, and drives the admin HTTP routes (history, presence, disconnect,
 * a test publish). Plain DOM code: the page is small, and a framework would outweigh it.
 */
import { io, type Socket } from 'socket.io-client';
import { api, errorText } from './api';
import { byId, field, h, replaceChildren, sparkline, table } from './dom';

const TOKEN_KEY = 'herald.console.adminToken';
const SPARK_POINTS = 60;
const TAIL_LIMIT = 200;
const HISTORY_PAGE = 50;

interface InstanceStats {
  instance: string;
  at: string;
  uptimeSeconds: number;
  accepting: boolean;
  namespaces: Array<{ namespace: string; connections: number; rooms: number }>;
  publishedPerSecond: number;
  deliveredPerSecond: number;
  publishLatencyMs: { p50: number; p99: number; samples: number } | null;
  rejectedByCode: Record<string, number>;
  jobs: Array<{ name: string; lastRunAt: string | null; lastOutcome: string | null; lastError: string | null; runs: number; failures: number; nextRunAt: string }>;
  database: { engine: string; up: boolean; error?: string };
  redis: { enabled: boolean; up: boolean };
}

interface TailEvent {
  event: string;
  offset?: string;
  at: string;
  payload: unknown;
  source: 'live' | 'history';
}

const state = {
  token: '',
  feed: undefined as Socket | undefined,
  tail: undefined as Socket | undefined,
  tailEvents: [] as TailEvent[],
  tailChannel: '',
  published: [] as number[],
  delivered: [] as number[],
  namespaces: [] as string[],
};

function setFeedState(text: string): void {
  byId('feed-state').textContent = text;
}

function signIn(token: string): void {
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  byId('sign-in').hidden = true;
  byId('sign-out').hidden = false;
  const dashboard = byId('dashboard');
  dashboard.hidden = false;
  buildDashboard(dashboard);
  openFeed();
}

function signOut(message = ''): void {
  sessionStorage.removeItem(TOKEN_KEY);
  state.feed?.close();
  state.tail?.close();
  state.feed = state.tail = undefined;
  state.token = '';
  state.published = [];
  state.delivered = [];
  byId('dashboard').hidden = true;
  byId('dashboard').replaceChildren();
  byId('sign-out').hidden = true;
  byId('sign-in').hidden = false;
  byId('sign-in-error').textContent = message;
  setFeedState('signed out');
}

function openFeed(): void {
  setFeedState('connecting…');
  // The token travels in the Socket.IO CONNECT packet, never in the URL.
  const feed = io('/ws/admin', { auth: { token: state.token }, transports: ['websocket', 'polling'] });
  state.feed = feed;
  feed.on('connect', () => setFeedState('live'));
  feed.on('disconnect', (reason) => setFeedState(`disconnected (${reason}), reconnecting…`));
  feed.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
    const code = err.data?.code;
    if (code === 'socket_error:unauthorized' || code === 'socket_error:forbidden' || code === 'socket_error:token_expired') {
      signOut(`Sign-in refused: ${err.data?.message ?? code}`);
      return;
    }
    setFeedState(`cannot reach the feed (${err.data?.message ?? err.message}), retrying…`);
  });
  feed.on('admin:stats', (payload: { instances: InstanceStats[] }) => renderStats(payload.instances));
}

function buildDashboard(root: HTMLElement): void {
  replaceChildren(
    root,
    h('section', { 'aria-labelledby': 'overview-title', class: 'card wide' }, h('h2', { id: 'overview-title' }, 'Overview'), h('div', { id: 'overview', class: 'tiles' }, 'waiting for the first sample…')),
    h('section', { 'aria-labelledby': 'conn-title', class: 'card' }, h('h2', { id: 'conn-title' }, 'Connections'), h('div', { id: 'connections' })),
    h('section', { 'aria-labelledby': 'rejected-title', class: 'card' }, h('h2', { id: 'rejected-title' }, 'Rejected connections'), h('div', { id: 'rejected' })),
    h('section', { 'aria-labelledby': 'jobs-title', class: 'card wide' }, h('h2', { id: 'jobs-title' }, 'Jobs'), h('div', { id: 'jobs' })),
    tailSection(),
    presenceSection(),
    kickSection(),
    publishSection(),
  );
}

function renderStats(instances: InstanceStats[]): void {
  if (!state.token) return;
  const total = (pick: (s: InstanceStats) => number) => instances.reduce((sum, s) => sum + pick(s), 0);
  const published = total((s) => s.publishedPerSecond);
  const delivered = total((s) => s.deliveredPerSecond);
  state.published = [...state.published, published].slice(-SPARK_POINTS);
  state.delivered = [...state.delivered, delivered].slice(-SPARK_POINTS);
  const connections = total((s) => s.namespaces.reduce((n, ns) => n + ns.connections, 0));
  const latency = instances.map((s) => s.publishLatencyMs).filter((l): l is NonNullable<typeof l> => l !== null);
  const p50 = latency.length ? Math.max(...latency.map((l) => l.p50)) : null;
  const p99 = latency.length ? Math.max(...latency.map((l) => l.p99)) : null;
  const dbDown = instances.filter((s) => !s.database.up);
  const redisDown = instances.filter((s) => s.redis.enabled && !s.redis.up);
  const redisEnabled = instances.some((s) => s.redis.enabled);

  replaceChildren(
    byId('overview'),
    tile('Instances', String(instances.length), instances.every((s) => s.accepting) ? 'all accepting' : 'one or more shutting down'),
    tile('Connections', String(connections), 'all namespaces', 'connections-total'),
    tile('Published / s', fmt(published), null, 'published-rate', sparkline(state.published, `published per second, now ${fmt(published)}`)),
    tile('Delivered / s', fmt(delivered), null, 'delivered-rate', sparkline(state.delivered, `delivered per second, now ${fmt(delivered)}`)),
    tile('Publish latency', p50 === null ? '—' : `p50 ${fmt(p50)} ms`, p99 === null ? 'no publishes in the last 10 s' : `p99 ${fmt(p99)} ms`),
    tile('Database', dbDown.length ? 'DOWN' : 'up', `${instances[0]?.database.engine ?? ''}${dbDown.length ? ` — ${dbDown.map((s) => s.database.error).join('; ')}` : ''}`, 'database-state', undefined, dbDown.length > 0),
    tile('Redis', !redisEnabled ? 'not configured' : redisDown.length ? 'DOWN' : 'up', redisEnabled ? 'adapter, presence, job locks' : 'single instance', 'redis-state', undefined, redisDown.length > 0),
  );

  const namespaces = [...new Set(instances.flatMap((s) => s.namespaces.map((n) => n.namespace)))].sort();
  updateNamespaceChoices(namespaces);
  replaceChildren(
    byId('connections'),
    table(
      'Connections per namespace and instance',
      ['Namespace', ...instances.map((s) => s.instance), 'Total'],
      namespaces.map((ns) => {
        const counts = instances.map((s) => s.namespaces.find((n) => n.namespace === ns)?.connections ?? 0);
        return [ns, ...counts.map(String), String(counts.reduce((a, b) => a + b, 0))];
      }),
    ),
  );

  const codes = new Map<string, number>();
  for (const s of instances) for (const [code, n] of Object.entries(s.rejectedByCode)) codes.set(code, (codes.get(code) ?? 0) + n);
  replaceChildren(
    byId('rejected'),
    table('Rejected connections by code since start', ['Code', 'Count'], [...codes].sort((a, b) => b[1] - a[1]).map(([code, n]) => [code, String(n)])),
  );

  const jobs = new Map<string, InstanceStats['jobs'][number] & { instance: string }>();
  for (const s of instances) {
    for (const j of s.jobs) {
      const seen = jobs.get(j.name);
      // A job runs on whichever instance claimed its tick: show the most recent run anywhere.
      if (!seen || (j.lastRunAt ?? '') > (seen.lastRunAt ?? '')) jobs.set(j.name, { ...j, instance: s.instance });
    }
  }
  replaceChildren(
    byId('jobs'),
    table(
      'Scheduled jobs (latest run on any instance)',
      ['Job', 'Last run', 'Outcome', 'Next', 'Runs / failures'],
      [...jobs.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((j) => [
          j.name,
          j.lastRunAt ? `${time(j.lastRunAt)} on ${j.instance}` : 'not yet',
          j.lastOutcome === 'failure' ? h('span', { class: 'bad', title: j.lastError ?? '' }, `failure: ${j.lastError ?? ''}`) : (j.lastOutcome ?? '—'),
          time(j.nextRunAt),
          `${j.runs} / ${j.failures}`,
        ]),
    ),
  );
}

function tile(label: string, value: string, note: string | null, id?: string, extra?: Node, bad = false): HTMLElement {
  return h('div', { class: `tile${bad ? ' bad' : ''}` }, h('p', { class: 'label' }, label), h('p', { class: 'value', id }, value), extra, note ? h('p', { class: 'note' }, note) : null);
}

function updateNamespaceChoices(namespaces: string[]): void {
  const choices = namespaces.filter((n) => n !== '/ws/admin');
  if (choices.join() === state.namespaces.join()) return;
  state.namespaces = choices;
  const select = document.getElementById('tail-namespace') as HTMLSelectElement | null;
  if (!select) return;
  const current = select.value;
  select.replaceChildren(...choices.map((n) => h('option', { value: n, selected: n === current }, n)));
}

function tailSection(): HTMLElement {
  const namespace = h('select', {}, ...state.namespaces.map((n) => h('option', { value: n }, n)));
  const channel = h('input', { type: 'text', placeholder: 'country:42', autocomplete: 'off', required: true });
  const form = h(
    'form',
    { id: 'tail-form', class: 'row' },
    field('tail-namespace', 'Namespace', namespace),
    field('tail-channel', 'Channel', channel),
    h('button', { type: 'submit' }, 'Tail'),
    h('button', { type: 'button', id: 'tail-older' }, 'Older events'),
    h('button', { type: 'button', id: 'tail-stop' }, 'Stop'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void startTail(namespace.value, channel.value.trim());
  });
  form.querySelector('#tail-older')?.addEventListener('click', () => void olderEvents());
  form.querySelector('#tail-stop')?.addEventListener('click', () => stopTail('stopped'));
  return h(
    'section',
    { 'aria-labelledby': 'tail-title', class: 'card wide' },
    h('h2', { id: 'tail-title' }, 'Channel tail'),
    form,
    h('p', { id: 'tail-status', role: 'status', 'aria-live': 'polite' }, 'pick a namespace and a channel'),
    h('ol', { id: 'tail-events', class: 'events', reversed: true, tabindex: '0', 'aria-label': 'Events of the channel, newest first' }),
  );
}

async function startTail(namespace: string, channel: string): Promise<void> {
  stopTail('');
  if (!namespace || !channel) return;
  state.tailChannel = channel;
  state.tailEvents = [];
  renderTail();
  const status = byId('tail-status');
  status.textContent = `connecting to ${namespace}…`;
  const socket = io(namespace, { auth: { token: state.token }, transports: ['websocket', 'polling'], forceNew: true });
  state.tail = socket;
  socket.onAny((event: string, payload: unknown) => {
    if (event === 'error' || event.startsWith('system:')) return;
    pushTail({ event, offset: offsetOf(payload), at: new Date().toISOString(), payload, source: 'live' }, 'top');
  });
  socket.on('connect_error', (err: Error & { data?: { message?: string } }) => {
    status.textContent = `cannot tail ${namespace}: ${err.data?.message ?? err.message}`;
  });
  socket.on('connect', () => {
    void (socket.timeout(5000).emitWithAck('subscribe', { channels: [channel] }) as Promise<{ success: boolean; error?: string }>).then(
      (ack) => {
        status.textContent = ack.success ? `live on ${namespace} ${channel}` : `subscribe refused: ${ack.error ?? 'unknown reason'}`;
      },
      () => (status.textContent = 'subscribe was not acknowledged'),
    );
  });
  // The latest page of history, so the tail does not start empty.
  const page = await api<{ events: Array<{ offset: string; event: string; payload: unknown; createdAt: string }> }>(
    state.token,
    'GET',
    `/api/history?channel=${encodeURIComponent(channel)}&limit=${HISTORY_PAGE}`,
  );
  if (!page.ok) {
    status.textContent = `history: ${errorText(page)}`;
    return;
  }
  for (const e of page.body.events) pushTail({ event: e.event, offset: e.offset, at: e.createdAt, payload: e.payload, source: 'history' }, 'sorted');
}

async function olderEvents(): Promise<void> {
  if (!state.tailChannel) return;
  const offsets = state.tailEvents.map((e) => e.offset).filter((o): o is string => o !== undefined);
  const oldest = offsets.reduce<string | undefined>((min, o) => (min === undefined || BigInt(o) < BigInt(min) ? o : min), undefined);
  const query = `channel=${encodeURIComponent(state.tailChannel)}&limit=${HISTORY_PAGE}${oldest ? `&before=${oldest}` : ''}`;
  const page = await api<{ events: Array<{ offset: string; event: string; payload: unknown; createdAt: string }> }>(state.token, 'GET', `/api/history?${query}`);
  const status = byId('tail-status');
  if (!page.ok) {
    status.textContent = `history: ${errorText(page)}`;
    return;
  }
  if (page.body.events.length === 0) status.textContent = 'no older events';
  for (const e of page.body.events) pushTail({ event: e.event, offset: e.offset, at: e.createdAt, payload: e.payload, source: 'history' }, 'sorted');
}

function stopTail(message: string): void {
  state.tail?.close();
  state.tail = undefined;
  if (message) byId('tail-status').textContent = message;
}

function pushTail(event: TailEvent, where: 'top' | 'sorted'): void {
  if (event.offset !== undefined && state.tailEvents.some((e) => e.offset === event.offset)) return;
  if (where === 'top') state.tailEvents.unshift(event);
  else {
    state.tailEvents.push(event);
    state.tailEvents.sort((a, b) => (a.offset && b.offset ? (BigInt(b.offset) > BigInt(a.offset) ? 1 : -1) : 0));
  }
  if (state.tailEvents.length > TAIL_LIMIT * 5) state.tailEvents.length = TAIL_LIMIT * 5;
  renderTail();
}

function renderTail(): void {
  const list = document.getElementById('tail-events');
  if (!list) return;
  replaceChildren(
    list,
    ...state.tailEvents.slice(0, TAIL_LIMIT).map((e) =>
      h(
        'li',
        { class: `event ${e.source}` },
        h('span', { class: 'event-name' }, e.event),
        h('span', { class: 'offset' }, e.offset ? `#${e.offset}` : ''),
        h('span', { class: 'when' }, `${time(e.at)} · ${e.source}`),
        h('pre', {}, JSON.stringify(e.payload, null, 1).slice(0, 2000)),
      ),
    ),
  );
}

function presenceSection(): HTMLElement {
  const userId = h('input', { type: 'text', autocomplete: 'off', required: true });
  const out = h('pre', { id: 'presence-result', class: 'result', 'aria-live': 'polite' });
  const form = h('form', { id: 'presence-form', class: 'row' }, field('presence-user', 'User id', userId), h('button', { type: 'submit' }, 'Look up'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void api(state.token, 'GET', `/api/presence/${encodeURIComponent(userId.value.trim())}`).then((r) => {
      out.textContent = r.ok ? JSON.stringify(r.body, null, 2) : errorText(r);
    });
  });
  return h('section', { 'aria-labelledby': 'presence-title', class: 'card' }, h('h2', { id: 'presence-title' }, 'Presence'), form, out);
}

function kickSection(): HTMLElement {
  const userId = h('input', { type: 'text', autocomplete: 'off', required: true });
  const ban = h('input', { type: 'number', min: '0', max: '604800', step: '1', inputmode: 'numeric' });
  const out = h('p', { id: 'kick-result', class: 'result', role: 'status', 'aria-live': 'polite' });
  const form = h(
    'form',
    { id: 'kick-form', class: 'row' },
    field('kick-user', 'User id', userId),
    field('kick-ban', 'Ban for (seconds, optional)', ban),
    h('button', { type: 'submit', class: 'danger' }, 'Disconnect'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const banSeconds = ban.value ? Number(ban.value) : undefined;
    const body = { userId: userId.value.trim(), ...(banSeconds ? { banSeconds } : {}) };
    void api<{ sockets?: number; instances?: number; bannedUntil?: unknown; banSeconds?: unknown }>(state.token, 'POST', '/api/admin/disconnect', body).then((r) => {
      if (!r.ok) {
        out.textContent = errorText(r);
        return;
      }
      // Servers without bans ignore the field; say so instead of implying a ban happened.
      const banned = banSeconds ? r.body.bannedUntil !== undefined || r.body.banSeconds !== undefined : false;
      out.textContent =
        `disconnected ${body.userId}: ${r.body.sockets ?? '?'} socket(s) on ${r.body.instances ?? '?'} instance(s)` +
        (banSeconds ? (banned ? `, banned for ${banSeconds} s` : ' (this server does not support bans; no ban applied)') : '');
    });
  });
  return h('section', { 'aria-labelledby': 'kick-title', class: 'card' }, h('h2', { id: 'kick-title' }, 'Disconnect a user'), form, out);
}

function publishSection(): HTMLElement {
  const token = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
  const path = h('input', { type: 'text', value: '/api/intelligence/updates', required: true });
  const body = h('textarea', { rows: '5', spellcheck: 'false' });
  body.value = JSON.stringify({ countryId: '42', category: 'economic', title: 'Console test event', description: 'sent from the operator console' }, null, 1);
  const out = h('p', { id: 'publish-result', class: 'result', role: 'status', 'aria-live': 'polite' });
  const form = h(
    'form',
    { id: 'publish-form' },
    field('publish-token', 'Service token (not stored)', token),
    field('publish-path', 'POST route', path),
    field('publish-body', 'JSON body', body),
    h('button', { type: 'submit' }, 'Publish test event'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.value);
    } catch (err) {
      out.textContent = `the body is not JSON: ${(err as Error).message}`;
      return;
    }
    if (!path.value.startsWith('/api/')) {
      out.textContent = 'the route must start with /api/';
      return;
    }
    void api(token.value.trim(), 'POST', path.value, parsed).then((r) => {
      out.textContent = r.ok ? `${r.status}: ${JSON.stringify(r.body).slice(0, 300)}` : errorText(r);
    });
  });
  return h('section', { 'aria-labelledby': 'publish-title', class: 'card' }, h('h2', { id: 'publish-title' }, 'Publish a test event'), form, out);
}

function offsetOf(payload: unknown): string | undefined {
  const o = (payload as { offset?: unknown } | null)?.offset;
  return typeof o === 'string' ? o : undefined;
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2);
}

function time(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
}

function init(): void {
  byId('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>('admin-token');
    const token = input.value.trim();
    input.value = '';
    if (token) signIn(token);
  });
  byId('sign-out').addEventListener('click', () => signOut());
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
}

init();
