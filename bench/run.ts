/**
 * `npm run bench -- [--scenario P1] [--quick]`: Herald (B) against bare Socket.IO (A),
 * side by side (docs/performance.md). Prints one table; writes JSON and an SVG plot to bench/results/.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs, USAGE } from './lib/args';
import { coreTimes, hostStealPct, loadAverage } from './lib/proc';
import { plotPanels, renderMarkdown, renderTable, replaceGenerated, summarizeSuite } from './lib/report';
import { renderSvg } from './lib/svg';
import { SCENARIOS } from './scenarios';
import { runSuite } from './suite';

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const root = join(__dirname, '..');
  if (!existsSync(join(root, 'src/generated/prisma'))) {
    process.stderr.write('generating the Prisma client …\n');
    spawnSync('npm', ['run', '-s', 'generate'], { cwd: root, stdio: 'inherit' });
  }
  const scenarios = SCENARIOS.filter((s) => args.scenarios.includes(s.id));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = args.out ?? join(__dirname, 'results', args.reference ? 'reference' : stamp);
  mkdirSync(dirname(base), { recursive: true });
  const host = {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: loadAverage(),
  };
  process.stderr.write(`Herald bench: ${scenarios.map((s) => s.id).join(' ')}, ${args.repeats} repeat(s), ${args.quick ? 'quick' : 'full'}; load average ${host.loadAverageAtStart}\n`);
  const started = Date.now();
  const coresAtStart = coreTimes();
  const records = await runSuite({
    scenarios,
    systems: args.systems,
    repeats: args.repeats,
    quick: args.quick,
    profileDir: args.profile || args.allocProfile || args.retainedProfile ? `${base}-profiles` : undefined,
    profileKind: args.allocProfile ? 'alloc' : args.retainedProfile ? 'retained' : 'cpu',
  });
  const summaries = summarizeSuite(scenarios, records);
  const table = renderTable(summaries, scenarios);
  process.stdout.write(`${table}\n`);
  // Steal is time the hypervisor gave to other guests: a run with much of it ran on a slower machine, A and B alike.
  const stealPct = hostStealPct(coresAtStart, coreTimes());
  const caption = `${host.cpus}, Node ${host.node}, ${args.repeats} repeat(s)${args.quick ? ' (quick: provisional)' : ''}, load average at start ${host.loadAverageAtStart}, hypervisor steal ${stealPct.toFixed(1)} % of the run, ${new Date().toISOString()}`;
  const json = {
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    args,
    host: { ...host, loadAverageAtEnd: loadAverage(), stealPct },
    summaries,
    runs: records,
  };
  writeFileSync(`${base}.json`, JSON.stringify(json, null, 2));
  writeFileSync(`${base}.svg`, renderSvg(plotPanels(summaries, scenarios), caption));
  // The results table of docs/performance.md, ready to paste (or written there with --update-docs).
  const markdown = `${renderMarkdown(summaries, scenarios)}\n\n_${caption}${args.reference ? '' : '; not the reference run'}._`;
  writeFileSync(`${base}.md`, `${markdown}\n`);
  process.stdout.write(`\n${markdown}\n`);
  process.stderr.write(`wrote ${base}.json, ${base}.svg and ${base}.md (${json.seconds.toFixed(0)} s)\n`);
  if (args.updateDocs) {
    const docs = join(root, 'docs/performance.md');
    writeFileSync(docs, replaceGenerated(readFileSync(docs, 'utf8'), markdown));
    process.stderr.write(`rewrote the results table in ${docs}\n`);
  }
  if (records.some((r) => r.error)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
