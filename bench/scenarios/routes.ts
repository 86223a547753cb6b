/**
 * How P5 publishes over HTTP. The switch is `P5_ROUTE`: today the bench driver's route;
 * when a real module is merged, add its route here (path + body carrying the bench stamp)
 * and point P5_ROUTE at it. The stamp `{room, seq, t}` must come back to clients at the
 * top of the payload or under `data` (the probe looks in both places), e.g.
 *   intelligence: POST /api/intelligence/updates {category, countryId, data: {room, seq, t, pad}, …}
 * and the sinks/probe must join that module's namespace and rooms (today they use the
 * bench namespace's handshake `rooms`).
 */
import type { BenchPayload } from '../servers/payload';

export interface PublishRoute {
  name: string;
  path: string;
  /** The request body for one event to `room`. */
  body(room: string, payload: BenchPayload): unknown;
}

export const ROUTES = {
  benchDriver: {
    name: 'bench driver (POST /api/bench/publish → BenchPublisher → event log → emit)',
    path: '/api/bench/publish',
    body: (room: string, payload: BenchPayload) => ({ room, payload }),
  },
} satisfies Record<string, PublishRoute>;

/** The route P5 drives. */
export const P5_ROUTE: keyof typeof ROUTES = 'benchDriver';
