export type Role = 'admin' | 'service';

/** Who is calling, from a verified JWT: `sub` is the user id. */
export interface Principal {
  userId: string;
  roles: string[];
  /** Token expiry in ms since the epoch, when the token has one. */
  expiresAt: number | undefined;
}

export const hasRole = (p: Principal, ...roles: Role[]) => roles.some((r) => p.roles.includes(r));
