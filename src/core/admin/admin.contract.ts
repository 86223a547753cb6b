import { z } from 'zod';
import type { NamespaceContract } from '../contract/namespace-contract';
import { NAMESPACES } from '../realtime/namespaces';
import type { InstanceStats } from './admin-stats.service';

/** One instance's figures in the `/ws/admin` feed. */
const instanceStats = z.object({
  instance: z.string().describe('hostname:pid (the pod name under Kubernetes)'),
  at: z.string().describe('ISO time of the sample'),
  uptimeSeconds: z.number(),
  accepting: z.boolean().describe('false once the instance is draining for shutdown'),
  namespaces: z.array(z.object({ namespace: z.string(), connections: z.number().int(), rooms: z.number().int() })),
  publishedPerSecond: z.number(),
  deliveredPerSecond: z.number(),
  publishLatencyMs: z.object({ p50: z.number(), p99: z.number(), samples: z.number().int() }).nullable(),
  rejectedByCode: z.record(z.string(), z.number()),
  jobs: z.array(
    z.object({
      name: z.string(),
      lastRunAt: z.string().nullable(),
      lastOutcome: z.enum(['success', 'failure']).nullable(),
      lastError: z.string().nullable(),
      runs: z.number().int(),
      failures: z.number().int(),
      nextRunAt: z.string(),
    }),
  ),
  database: z.object({ engine: z.string(), up: z.boolean(), error: z.string().optional() }),
  redis: z.object({ enabled: z.boolean(), up: z.boolean() }),
});

// The schema describes the very type the stats service produces; a drift fails to compile.
const statsMatchType: z.ZodType<InstanceStats> = instanceStats;

/** `/ws/admin` in the machine-readable contract (GET /api/asyncapi.json). */
export const ADMIN_CONTRACT: NamespaceContract = {
  namespace: NAMESPACES.admin,
  description:
    'The operator console’s live feed: admin tokens only (others get socket_error:forbidden at connect). Nothing is accepted from clients; every instance’s figures arrive once a second.',
  channels: {},
  serverEvents: {
    'admin:stats': {
      payload: z.object({ instances: z.array(statsMatchType) }),
      description: 'Every live instance’s figures, sent on connect and then once a second',
    },
  },
  clientEvents: {},
};
