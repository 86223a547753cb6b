import type { Socket } from 'socket.io';
import { z } from 'zod';

/**
 * What the kernel itself sends on every namespace, whatever module serves it: one zod schema
 * per payload, used by the contract registry (AsyncAPI) and, as types, by every emit below.
 */
export const socketErrorPayload = z.object({
  code: z.string().describe('socket_error:*'),
  message: z.string(),
  retryInMs: z.number().int().nonnegative().optional().describe('With socket_error:rate_limited where a retry time is known'),
});
export const resyncNotice = z.object({ channel: z.string(), reason: z.enum(['history_expired', 'too_far_behind']) });
export const systemDisconnectPayload = z.object({ reason: z.string(), reconnectInMs: z.number().int().nonnegative() });
export const refreshRequest = z.object({ token: z.string().describe('A fresh JWT for the same user') });
export const refreshAck = z.object({
  success: z.boolean(),
  expiresAt: z.number().nullable().optional().describe('Unix ms of the new token'),
  error: z.string().optional(),
  code: z.string().optional(),
});

export type ResyncReason = z.infer<typeof resyncNotice>['reason'];
export type SystemDisconnect = z.infer<typeof systemDisconnectPayload>;
export type RefreshAck = z.infer<typeof refreshAck>;

/** Server → client events of the kernel, by name. `auth:refresh` is client → server; its ack is `RefreshAck`. */
export interface SystemEvents {
  error: z.infer<typeof socketErrorPayload>;
  'system:resync': z.infer<typeof resyncNotice>;
  'system:disconnect': SystemDisconnect;
}

/** A socket, or an OutgoingGate writing to one past its held broadcasts. */
export type SystemEventTarget = Pick<Socket, 'emit'> | { emit(event: string, payload: unknown): void };

/** The one way the kernel emits its own events to a socket: a wrong payload fails to compile. */
export function emitSystemEvent<E extends keyof SystemEvents>(target: SystemEventTarget, event: E, payload: SystemEvents[E]): void {
  target.emit(event, payload);
}
