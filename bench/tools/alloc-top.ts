/**
 * Summarises an allocation profile (`npm run bench -- --alloc-profile`): how many bytes the
 * server allocated in a measurement window, and where, collected objects included. Garbage
 * collection cost follows allocation (a young-generation collection each time a few MB
 * have been allocated), and unlike CPU time these figures hardly move with a host's speed.
 *
 *   npx tsx bench/tools/alloc-top.ts <window.heapprofile> [top=25] [--per N]
 *
 * `--per N` divides by N, e.g. the events the window persisted (P9 prints them), to give
 * bytes per event. Two views: by the innermost function of the project (src/ or bench/), so
 * that what a library or V8 allocates on its behalf counts to the project code that asked;
 * and by the function that allocated, with its caller. A function the optimiser inlined
 * reports its allocations as its caller's: a small helper may vanish into the function
 * that calls it, and a line number may point at the caller.
 */
import { readFileSync } from 'node:fs';
import { frameLabel, type CallFrame } from './frames';

export interface AllocationNode {
  id: number;
  callFrame: CallFrame;
  selfSize: number;
  children?: AllocationNode[];
}
export interface AllocationProfile {
  head: AllocationNode;
  samples: Array<{ size: number; nodeId: number }>;
}

export interface AllocationSummary {
  totalBytes: number;
  byProjectFunction: Array<[string, number]>;
  byAllocator: Array<[string, number]>;
}

const isProject = (url: string) => /\/(src|bench)\//.test(url) && !url.includes('/node_modules/');
const label = (n: AllocationNode) => frameLabel(n.callFrame);

/** Bytes per node from the samples (V8 scales each sample to the allocation it stands for). */
export function summarizeAllocations(profile: AllocationProfile): AllocationSummary {
  const bytes = new Map<number, number>();
  for (const s of profile.samples) bytes.set(s.nodeId, (bytes.get(s.nodeId) ?? 0) + s.size);
  const project = new Map<string, number>();
  const allocator = new Map<string, number>();
  let total = 0;
  const add = (m: Map<string, number>, k: string, b: number) => m.set(k, (m.get(k) ?? 0) + b);
  // Iterative walk: allocation stacks can be deep.
  const stack: Array<{ node: AllocationNode; parent?: AllocationNode; owner?: string }> = [{ node: profile.head }];
  while (stack.length) {
    const { node, parent, owner: outer } = stack.pop()!;
    const owner = isProject(node.callFrame.url) ? label(node) : outer;
    const b = bytes.get(node.id) ?? 0;
    if (b) {
      total += b;
      add(project, owner ?? '(outside the project)', b);
      add(allocator, parent ? `${label(node)}  ← ${label(parent)}` : label(node), b);
    }
    for (const child of node.children ?? []) stack.push({ node: child, parent: node, owner });
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalBytes: total, byProjectFunction: sorted(project), byAllocator: sorted(allocator) };
}

function main(argv: string[]): void {
  const perAt = argv.indexOf('--per');
  const per = perAt >= 0 ? Number(argv[perAt + 1]) : undefined;
  const [file, topArg] = perAt >= 0 ? argv.filter((_, i) => i !== perAt && i !== perAt + 1) : argv;
  if (!file || (per !== undefined && !(per > 0))) {
    process.stderr.write('usage: npx tsx bench/tools/alloc-top.ts <file.heapprofile> [top] [--per N]\n');
    process.exit(2);
  }
  const summary = summarizeAllocations(JSON.parse(readFileSync(file, 'utf8')) as AllocationProfile);
  const top = Number(topArg ?? 25);
  const row = (b: number) =>
    `${(b / 1e6).toFixed(1).padStart(8)} MB ${((100 * b) / summary.totalBytes).toFixed(1).padStart(5)} %` +
    (per ? ` ${(b / per).toFixed(0).padStart(7)} B/unit` : '');
  process.stdout.write(
    `allocated ${(summary.totalBytes / 1e6).toFixed(1)} MB${per ? `, ${(summary.totalBytes / per).toFixed(0)} bytes per unit (${per} units)` : ''}\n`,
  );
  process.stdout.write('\nby innermost project function (library and V8 allocations count to their caller):\n');
  for (const [k, b] of summary.byProjectFunction.slice(0, top)) process.stdout.write(`${row(b)}  ${k}\n`);
  process.stdout.write('\nby allocating function ← its caller:\n');
  for (const [k, b] of summary.byAllocator.slice(0, top)) process.stdout.write(`${row(b)}  ${k}\n`);
}

if (require.main === module) main(process.argv.slice(2));
