/** Room names are `kind:id` or a bare word; nothing that could name another socket or match many. */
const ROOM_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}(:[A-Za-z0-9_.@-]{1,128})?$/;

export function isValidRoomName(name: unknown): name is string {
  return typeof name === 'string' && ROOM_NAME.test(name);
}

export const userRoom = (userId: string) => `user:${userId}`;
