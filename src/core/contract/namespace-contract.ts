import type { z } from 'zod';

/** A server → client event of a namespace. */
export interface ServerEventContract {
  payload: z.ZodType;
  description: string;
  /** Persisted in the event log: carries `offset` and can be replayed with `since`. */
  replayable?: boolean;
}

/** A client → server event and the acknowledgement it gets. */
export interface ClientEventContract {
  payload: z.ZodType;
  ack?: z.ZodType;
  description: string;
}

/**
 * What one module contributes to a namespace's machine-readable contract. Several modules
 * may describe one namespace (`/ws/app`); their parts are merged.
 */
export interface NamespaceContract {
  namespace: string;
  description: string;
  /** Channel (room) names a client may follow here, e.g. `conversation:<id>`, with who may. */
  channels: Record<string, string>;
  serverEvents: Record<string, ServerEventContract>;
  clientEvents: Record<string, ClientEventContract>;
}

/** A raw WebSocket endpoint (not Socket.IO) and its frames. */
export interface RawFeedContract {
  path: string;
  description: string;
  frames: Record<string, ServerEventContract>;
}
