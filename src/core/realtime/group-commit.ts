import { AsyncResource } from 'node:async_hooks';

/** What a group's commit answers for one input: its result, or the error that input alone gets. */
export type GroupOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

/** One input of a group, with the context of the call that submitted it. */
export interface GroupMember<I> {
  readonly input: I;
  /**
   * Runs `fn` in the async context of the call that submitted this input (its request id,
   * its log fields). A group is written in the context of whichever call started it, so
   * whatever belongs to one member (staging its events, which stamps them with the request
   * id) must run through this.
   */
  within<T>(fn: () => T): T;
}

/** A member for an input written in the caller's own context (a batch route's items). */
export function ownMember<I>(input: I): GroupMember<I> {
  return { input, within: (fn) => fn() };
}

interface Waiting<I, O> {
  member: GroupMember<I>;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for single writes: concurrent `submit` calls are written together, one
 * transaction per group, instead of one transaction each.
 *
 * Why: a single publish is a transaction of several round trips, and every one of them
 * takes the event log's head lock until it commits, so concurrent publishes queue on that
 * lock one commit at a time. A group pays the round trips and the lock once for all its
 * members.
 *
 * How: one group is written at a time. A submit on an idle committer starts a group after
 * the current event-loop turn (so requests read in the same turn share it); whatever is
 * submitted while a group is being written waits and forms the next group, up to
 * `maxGroup` inputs. So an idle system adds no wait, and a busy one writes bigger groups.
 *
 * Isolation: `commit` reports an outcome per input (a not-found input fails alone). Should
 * the whole group fail because of what was written (a PostgreSQL data or constraint error,
 * SQLSTATE class 22 or 23, which one input can cause), each member is written again on its
 * own, so one bad input cannot fail the requests it happened to be grouped with. Any other
 * failure (a lost connection, a timeout) fails the whole group at once: writing each member
 * again would only repeat it, one wait after another.
 */
export class GroupCommit<I, O> {
  private queue: Array<Waiting<I, O>> = [];
  private draining = false;

  constructor(
    private readonly commit: (members: Array<GroupMember<I>>) => Promise<Array<GroupOutcome<O>>>,
    private readonly maxGroup = 500,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      // The submitting call's async context (AsyncLocalStorage stores included), kept for `within`.
      const context = new AsyncResource('GroupCommitMember');
      this.queue.push({ member: { input, within: (fn) => context.runInAsyncScope(fn) }, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Inputs waiting for a group. */
  get waiting(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const group = this.queue.splice(0, this.maxGroup);
        try {
          this.settle(group, await this.commit(group.map((w) => w.member)));
        } catch (err) {
          if (group.length > 1 && causedByInput(err)) await this.commitOneByOne(group);
          else for (const waiting of group) waiting.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitOneByOne(group: Array<Waiting<I, O>>): Promise<void> {
    for (const waiting of group) {
      try {
        this.settle([waiting], await this.commit([waiting.member]));
      } catch (err) {
        waiting.reject(err);
      }
    }
  }

  private settle(group: Array<Waiting<I, O>>, outcomes: Array<GroupOutcome<O>>): void {
    group.forEach((waiting, i) => {
      const outcome = outcomes[i];
      if (!outcome) waiting.reject(new Error(`group commit returned ${outcomes.length} outcomes for ${group.length} inputs`));
      else if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }
}

/** A PostgreSQL data exception (22…) or integrity constraint violation (23…): something an input can cause. */
function causedByInput(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
