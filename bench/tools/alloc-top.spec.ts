import { summarizeAllocations, type AllocationNode } from './alloc-top';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
const node = (id: number, functionName: string, url: string, children: AllocationNode[] = []): AllocationNode => ({
  id,
  callFrame: frame(functionName, url),
  selfSize: 0,
  children,
});

describe('allocation profile summary', () => {
  // root → handler (src) → parse (zod) → (native); root → tick (node internals)
  const profile = {
    head: node(1, '(root)', '', [
      node(2, 'handler', 'file:///app/src/modules/x/x.service.ts', [
        node(3, 'parse', 'file:///app/node_modules/zod/v4/core/schemas.cjs', [node(4, 'Set', '')]),
      ]),
      node(5, 'tick', 'node:internal/process/task_queues'),
    ]),
    samples: [
      { nodeId: 2, size: 1000 },
      { nodeId: 3, size: 3000 },
      { nodeId: 4, size: 500 },
      { nodeId: 4, size: 500 },
      { nodeId: 5, size: 200 },
    ],
  };

  it('counts what libraries and V8 allocate to the project function that called them', () => {
    const s = summarizeAllocations(profile);
    expect(s.totalBytes).toBe(5200);
    expect(s.byProjectFunction).toEqual([
      ['handler  src/modules/x/x.service.ts:10', 5000],
      ['(outside the project)', 200],
    ]);
  });

  it('names each allocating function with its caller', () => {
    const s = summarizeAllocations(profile);
    expect(s.byAllocator[0]).toEqual(['parse  zod:10  ← handler  src/modules/x/x.service.ts:10', 3000]);
    expect(s.byAllocator).toContainEqual(['Set  (native):10  ← parse  zod:10', 1000]);
  });
});
