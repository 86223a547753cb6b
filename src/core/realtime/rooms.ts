/**
 * Room names are `kind:id` or a short lowercase word (`all`, `economic`, `killstream`);
 * nothing that could match many. Neither form can equal a Socket.IO socket id (every
 * socket's private room): those are 20 characters of mixed case with no colon, while a
 * bare word here is at most 19 lowercase characters.
 */
const KEYED_ROOM = /^[A-Za-z][A-Za-z0-9_-]{0,31}:[A-Za-z0-9_.@-]{1,128}$/;
const BARE_ROOM = /^[a-z][a-z0-9_-]{0,18}$/;

export function isValidRoomName(name: unknown): name is string {
  return typeof name === 'string' && (KEYED_ROOM.test(name) || BARE_ROOM.test(name));
}

export const userRoom = (userId: string) => `user:${userId}`;
