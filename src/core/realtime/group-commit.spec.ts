import { AsyncLocalStorage } from 'node:async_hooks';
import { GroupCommit, type GroupMember, type GroupOutcome } from './group-commit';

/** A commit function that records each group it is given and can be held open. */
function recorder<I>(answer: (input: I) => GroupOutcome<string> = (input) => ({ ok: true, value: `stored ${String(input)}` })) {
  const groups: I[][] = [];
  let hold: Promise<void> | undefined;
  let release: () => void = () => undefined;
  const commit = async (members: Array<GroupMember<I>>) => {
    const inputs = members.map((m) => m.input);
    groups.push(inputs);
    if (hold) await hold;
    if (inputs.some((i) => String(i).startsWith('poison'))) throw Object.assign(new Error('constraint broken'), { code: '23514' });
    if (inputs.some((i) => String(i).startsWith('offline'))) throw Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });
    return inputs.map(answer);
  };
  return {
    groups,
    commit,
    holdNext() {
      hold = new Promise((r) => (release = r));
    },
    release() {
      hold = undefined;
      release();
    },
  };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('writes submits of one event-loop turn as one group and answers each with its own result', async () => {
    const r = recorder<number>();
    const committer = new GroupCommit(r.commit);
    const answers = await Promise.all([1, 2, 3].map((n) => committer.submit(n)));
    expect(answers).toEqual(['stored 1', 'stored 2', 'stored 3']);
    expect(r.groups).toEqual([[1, 2, 3]]);
  });

  it('groups what arrives while a group is being written into the next one, one group at a time', async () => {
    const r = recorder<number>();
    const committer = new GroupCommit(r.commit);
    r.holdNext();
    const first = committer.submit(1);
    await turn();
    expect(r.groups).toEqual([[1]]);
    const later = [2, 3, 4].map((n) => committer.submit(n));
    await turn();
    // still one group in flight: the others wait rather than start a second transaction
    expect(r.groups).toEqual([[1]]);
    expect(committer.waiting).toBe(3);
    r.release();
    await expect(Promise.all([first, ...later])).resolves.toEqual(['stored 1', 'stored 2', 'stored 3', 'stored 4']);
    expect(r.groups).toEqual([[1], [2, 3, 4]]);
  });

  it('caps a group at maxGroup inputs', async () => {
    const r = recorder<number>();
    const committer = new GroupCommit(r.commit, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => committer.submit(n)));
    expect(r.groups).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects only the inputs whose outcome is an error', async () => {
    const r = recorder<string>((input) => (input === 'missing' ? { ok: false, error: new Error('not found') } : { ok: true, value: input }));
    const committer = new GroupCommit(r.commit);
    const results = await Promise.allSettled(['a', 'missing', 'b'].map((i) => committer.submit(i)));
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('not found'));
    expect(r.groups).toHaveLength(1);
  });

  it('writes each member alone when the whole group fails, so one bad input fails only its own request', async () => {
    const r = recorder<string>();
    const committer = new GroupCommit(r.commit);
    const results = await Promise.allSettled(['a', 'poison', 'b'].map((i) => committer.submit(i)));
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('constraint broken'));
    expect(r.groups).toEqual([['a', 'poison', 'b'], ['a'], ['poison'], ['b']]);
  });

  it('fails the whole group at once when the failure is not one an input can cause', async () => {
    const r = recorder<string>();
    const committer = new GroupCommit(r.commit);
    const results = await Promise.allSettled(['a', 'offline', 'b'].map((i) => committer.submit(i)));
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(r.groups).toEqual([['a', 'offline', 'b']]);
  });

  it('keeps working after a failed group', async () => {
    const r = recorder<string>();
    const committer = new GroupCommit(r.commit);
    await expect(committer.submit('poison')).rejects.toThrow('constraint broken');
    await expect(committer.submit('fine')).resolves.toBe('stored fine');
  });

  it('rejects every member when commit answers with the wrong number of outcomes', async () => {
    const committer = new GroupCommit<number, string>(() => Promise.resolve([{ ok: true, value: 'only one' }]));
    const results = await Promise.allSettled([1, 2].map((n) => committer.submit(n)));
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected']);
  });

  it("runs each member's own work in the context of the call that submitted it, not the one that started the group", async () => {
    const requestContext = new AsyncLocalStorage<string>();
    const committer = new GroupCommit<number, string>((members) =>
      Promise.resolve(members.map((m) => ({ ok: true as const, value: `${m.input} in ${m.within(() => requestContext.getStore())}` }))),
    );
    const answers = await Promise.all([1, 2, 3].map((n) => requestContext.run(`request ${n}`, () => committer.submit(n))));
    expect(answers).toEqual(['1 in request 1', '2 in request 2', '3 in request 3']);
  });
});
