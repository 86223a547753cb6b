/**
 * The `/ws/intelligence` contract (docs/modules/intelligence.md): channel names, event names, the
 * dashboard client's payload and which rooms each event goes to. Everything a client or another module
 * needs to know about this namespace's wire format lives here.
 */

import { z } from 'zod';

export const INTELLIGENCE_CATEGORIES = ['economic', 'diplomatic', 'government', 'crisis', 'achievement'] as const;
export type IntelligenceCategory = (typeof INTELLIGENCE_CATEGORIES)[number];

export const INTELLIGENCE_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type IntelligencePriority = (typeof INTELLIGENCE_PRIORITIES)[number];

/** Rooms every socket is in from the moment it connects (as the dashboard client expects). */
export const DEFAULT_CHANNELS: readonly string[] = ['all', ...INTELLIGENCE_CATEGORIES];

const GLOBAL_CHANNEL = 'global:intelligence';
const ALERTS_CHANNEL = 'intelligence:alerts';
const SYSTEM_CHANNEL = 'system:events';
const countryChannel = (countryId: string) => `country:${countryId}`;
/** Made once per category: every event of a batch names its category's feed (no new string each). */
const CATEGORY_FEEDS = new Map(INTELLIGENCE_CATEGORIES.map((category) => [category, `intelligence:${category}`]));
const categoryFeedChannel = (category: IntelligenceCategory) => CATEGORY_FEEDS.get(category) ?? `intelligence:${category}`;

const FIXED_CHANNELS = new Set<string>([...DEFAULT_CHANNELS, GLOBAL_CHANNEL, ALERTS_CHANNEL, SYSTEM_CHANNEL, ...INTELLIGENCE_CATEGORIES.map(categoryFeedChannel)]);
/** Same alphabet as country ids accepted over HTTP (`ids.id`), so every country has a subscribable channel. */
const COUNTRY_CHANNEL = /^country:[A-Za-z0-9_.:-]{1,128}$/;

export const ALLOWED_CHANNELS_DESCRIPTION =
  'all, economic, diplomatic, government, crisis, achievement, country:<id>, global:intelligence, intelligence:alerts, intelligence:<category>, system:events';

/** The only rooms a client may subscribe to (or read through GET /api/history) on this namespace. */
export function isIntelligenceChannel(channel: unknown): channel is string {
  return typeof channel === 'string' && (FIXED_CHANNELS.has(channel) || COUNTRY_CHANNEL.test(channel));
}

/** The dashboard client's `type` of each event name. */
export type IntelligenceEventType = 'intelligence_update' | 'intelligence_alert' | 'vitality_update' | 'economic_change' | 'system_event';

/** The dashboard client's payload every event on this namespace carries (plus `offset`, added by the event log). */
export interface IntelligencePayload<Data extends object = Record<string, unknown>> {
  type: IntelligenceEventType;
  category: IntelligenceCategory;
  /** `null` only on `system:event`, which concerns no single country. */
  countryId: string | null;
  data: Data;
  /** ISO 8601. */
  timestamp: string;
  priority: IntelligencePriority;
  /** On events that announce an item (`data.title` set): its title, description and priority, at the top level. */
  title?: string;
  description?: string;
  severity?: IntelligencePriority;
}

/**
 * Dashboards written against the older intelligence feed read an item's `title`,
 * `description` and `severity` from the top of the event; events that announce an item
 * carry them there as well as in `data`. Sets them on `payload` (a payload being built, so
 * a batch of events makes no extra object each) and returns it.
 */
export function addItemHeadline<P extends Partial<Pick<IntelligencePayload, 'title' | 'description' | 'severity'>>>(
  payload: P,
  data: object,
  priority: IntelligencePriority,
): P {
  const { title, description } = data as { title?: unknown; description?: unknown };
  if (typeof title !== 'string') return payload;
  payload.title = title;
  payload.description = typeof description === 'string' ? description : '';
  payload.severity = priority;
  return payload;
}

/** `data` of an event that announces a persisted intelligence item. */
export interface ItemEventData {
  itemId: string;
  title: string;
  description: string;
  details: Record<string, unknown>;
  [key: string]: unknown;
}

/** `data` of `economic:change` and `vitality:update`: one figure's move, as the job measured it. */
export interface FigureChangeData {
  figure: 'gdp' | 'population' | 'vitality' | 'economicTier';
  previous: number | string;
  current: number | string;
  /** current − previous; null for the (non-numeric) economic tier. */
  delta: number | null;
  /** Percentage change against `previous`; null for vitality (points) and the tier, and from a zero baseline. */
  deltaPct: number | null;
  /** The configured threshold that was crossed (percent, or points for vitality). */
  threshold: number | null;
  countryName: string;
  /** The persisted intelligence item recording this change. */
  itemId?: string;
  [key: string]: unknown;
}

export interface IntelligenceEvents {
  'intelligence:update': IntelligencePayload;
  'intelligence:alert': IntelligencePayload;
  'vitality:update': IntelligencePayload<FigureChangeData>;
  'economic:change': IntelligencePayload<FigureChangeData>;
  'system:event': IntelligencePayload;
}
export type IntelligenceEventName = keyof IntelligenceEvents;

const itemOrFreeData = z
  .record(z.string(), z.unknown())
  .describe('For an item: {itemId, title, description, details}; otherwise what the publisher sent');
const figureChangeData = z.looseObject({
  figure: z.enum(['gdp', 'population', 'vitality', 'economicTier']),
  previous: z.union([z.number(), z.string()]),
  current: z.union([z.number(), z.string()]),
  delta: z.number().nullable(),
  deltaPct: z.number().nullable(),
  threshold: z.number().nullable(),
  countryName: z.string(),
  itemId: z.string().optional(),
});
const intelligencePayload = <D extends z.ZodType<object>>(data: D) =>
  z.object({
    type: z.enum(['intelligence_update', 'intelligence_alert', 'vitality_update', 'economic_change', 'system_event']),
    category: z.enum(INTELLIGENCE_CATEGORIES),
    countryId: z.string().nullable().describe('null only on system:event'),
    data,
    timestamp: z.string().describe('ISO 8601'),
    priority: z.enum(INTELLIGENCE_PRIORITIES),
    title: z.string().optional().describe("On events that announce an item: the item's title"),
    description: z.string().optional(),
    severity: z.enum(INTELLIGENCE_PRIORITIES).optional().describe('Same as priority, on events that announce an item'),
  });

/** Payload schemas by event name (the machine-readable contract is generated from them). */
export const INTELLIGENCE_EVENT_SCHEMAS = {
  'intelligence:update': intelligencePayload(itemOrFreeData),
  'intelligence:alert': intelligencePayload(itemOrFreeData),
  'vitality:update': intelligencePayload(figureChangeData),
  'economic:change': intelligencePayload(figureChangeData),
  'system:event': intelligencePayload(itemOrFreeData),
} satisfies { [E in keyof IntelligenceEvents]: z.ZodType<IntelligenceEvents[E]> };
export const INTELLIGENCE_EVENT_NAMES: readonly IntelligenceEventName[] = [
  'intelligence:update',
  'intelligence:alert',
  'vitality:update',
  'economic:change',
  'system:event',
];

const TYPE_OF: Record<IntelligenceEventName, IntelligenceEventType> = {
  'intelligence:update': 'intelligence_update',
  'intelligence:alert': 'intelligence_alert',
  'vitality:update': 'vitality_update',
  'economic:change': 'economic_change',
  'system:event': 'system_event',
};
export const eventTypeOf = (event: IntelligenceEventName) => TYPE_OF[event];

/**
 * Every room one event goes to (docs/modules/intelligence.md, Channels): `all`, its category, the
 * category feed, its country and the global feed; alerts and high/critical events also
 * the alerts channel; system events only `system:events` and `all`. The publisher emits
 * to the union in one call, so a socket in several of these rooms receives it once.
 */
export function roomsFor(event: IntelligenceEventName, payload: Pick<IntelligencePayload, 'category' | 'countryId' | 'priority'>): string[] {
  if (event === 'system:event') return [SYSTEM_CHANNEL, 'all'];
  const rooms = ['all', payload.category, categoryFeedChannel(payload.category), GLOBAL_CHANNEL];
  if (payload.countryId !== null) rooms.push(countryChannel(payload.countryId));
  if (event === 'intelligence:alert' || payload.priority === 'high' || payload.priority === 'critical') rooms.push(ALERTS_CHANNEL);
  return rooms;
}
