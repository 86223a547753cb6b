/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): the functions with the
 * most self time, and the packages/files they live in.
 *   npx tsx bench/tools/profile-top.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';
import { frameLabel, frameLocation, type CallFrame } from './frames';

interface Node {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npx tsx bench/tools/profile-top.ts <file.cpuprofile> [top]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((s, x) => s + x, 0);

const fnTotals = new Map<string, number>();
const pkgTotals = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const key = frameLabel(n.callFrame);
  fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
  const pkg = frameLocation(n.callFrame.url).split('/').slice(0, 2).join('/');
  pkgTotals.set(pkg, (pkgTotals.get(pkg) ?? 0) + us);
}
const top = Number(topArg ?? 25);
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
process.stdout.write(`total sampled ${(total / 1e6).toFixed(2)} s\n\nself time by function:\n`);
for (const [k, us] of [...fnTotals].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${k}\n`);
process.stdout.write('\nself time by package / file:\n');
for (const [k, us] of [...pkgTotals].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${k}\n`);
