import type { SystemId } from '../scenarios/context';
import type { ScenarioId } from '../scenarios/types';

export interface BenchArgs {
  scenarios: ScenarioId[];
  quick: boolean;
  repeats: number;
  systems: SystemId[];
  /** Write the results here instead of bench/results/<timestamp>.{json,svg}. */
  out?: string;
  /** CPU-profile the servers during measurement windows; files go next to the results. */
  profile: boolean;
  /** Sample the servers' allocations during measurement windows (every object, kept or collected); files go next to the results. */
  allocProfile: boolean;
  /** Sample the servers' allocations during measurement windows, keeping only those still alive at the window's end. */
  retainedProfile: boolean;
  /** The committed reference run: full, 3 repeats, written to bench/results/reference.{json,svg,md}. */
  reference: boolean;
  /** Rewrite the results table of docs/performance.md from this run. */
  updateDocs: boolean;
  help: boolean;
}

export const ALL_SCENARIOS: ScenarioId[] = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'P10'];

export const USAGE = `npm run bench -- [options]
  --scenario P1[,P2...]   scenarios to run (default: all, P1–P10); may be repeated
  --quick                 short runs and 1 repeat: a smoke check, figures are provisional
  --repeats N             repeats per system, alternating A B A B … (default 3, quick 1)
  --systems A,B           run only some systems (default A,B)
  --out PATH              results base path without extension (default bench/results/<timestamp>)
  --profile               CPU-profile every measurement window of A and B (inspector); profiles go beside the results
  --alloc-profile         sample what every measurement window of A and B allocates, collected objects included
                          (inspector); .heapprofile files go beside the results (bench/tools/alloc-top.ts reads them)
  --retained-profile      the same, keeping only what is still alive when the window ends: what outlived young-generation
                          collections, which are then copied and promoted
  --reference             the reference run: every scenario, 3 repeats, written to bench/results/reference.{json,svg,md},
                          and the results table of docs/performance.md rewritten from it
  --update-docs           rewrite the results table of docs/performance.md from this run
`;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { scenarios: [], quick: false, repeats: 0, systems: ['A', 'B'], profile: false, allocProfile: false, retainedProfile: false, reference: false, updateDocs: false, help: false };
  const value = (i: number, name: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const take = () => inline ?? value(i++, flag);
    switch (flag) {
      case '--scenario':
      case '--scenarios':
        for (const s of take().split(',')) {
          const id = s.trim().toUpperCase() as ScenarioId;
          if (!ALL_SCENARIOS.includes(id)) throw new Error(`unknown scenario ${s} (known: ${ALL_SCENARIOS.join(', ')})`);
          if (!args.scenarios.includes(id)) args.scenarios.push(id);
        }
        break;
      case '--quick':
        args.quick = true;
        break;
      case '--repeats': {
        const n = Number(take());
        if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error('--repeats must be 1..20');
        args.repeats = n;
        break;
      }
      case '--systems': {
        const list = take()
          .split(',')
          .map((s) => s.trim().toUpperCase());
        if (!list.length || list.some((s) => s !== 'A' && s !== 'B')) throw new Error('--systems takes A, B or A,B');
        args.systems = list as SystemId[];
        break;
      }
      case '--out':
        args.out = take();
        break;
      case '--profile':
        args.profile = true;
        break;
      case '--alloc-profile':
        args.allocProfile = true;
        break;
      case '--retained-profile':
        args.retainedProfile = true;
        break;
      case '--reference':
        args.reference = true;
        args.updateDocs = true;
        break;
      case '--update-docs':
        args.updateDocs = true;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (args.reference && (args.quick || args.scenarios.length || args.systems.length !== 2 || args.out)) {
    throw new Error('--reference is the full run of every scenario on A and B: no --quick, --scenario, --systems or --out with it');
  }
  if (Number(args.profile) + Number(args.allocProfile) + Number(args.retainedProfile) > 1) {
    throw new Error('--profile, --alloc-profile, --retained-profile: one at a time (each would skew the other)');
  }
  if (!args.scenarios.length) args.scenarios = [...ALL_SCENARIOS];
  if (!args.repeats) args.repeats = args.quick ? 1 : 3;
  return args;
}

/** A B A B …: each repeat runs every system once, in the given order. */
export function schedule(repeats: number, systems: SystemId[]): Array<{ repeat: number; system: SystemId }> {
  const out: Array<{ repeat: number; system: SystemId }> = [];
  for (let r = 1; r <= repeats; r++) for (const system of systems) out.push({ repeat: r, system });
  return out;
}
