/** CPU accounting from /proc (Linux): per process user+sys, and per core busy time. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Kernel clock ticks per second (USER_HZ), usually 100. */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** user+sys ticks from the text of /proc/<pid>/stat (comm may hold spaces and parentheses). */
export function parseProcStatTicks(text: string): number {
  const fields = text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU seconds (user+sys) a process has used so far; 0 when it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    return parseProcStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / ticksPerSecond();
  } catch {
    return 0;
  }
}

export interface CoreTimes {
  busy: number;
  total: number;
  /** Time the hypervisor ran something else while this virtual core wanted to run (counted in busy). */
  steal: number;
}

/** Busy, steal and total ticks of each core from the text of /proc/stat. */
export function parseCoreTimes(text: string): CoreTimes[] {
  const cores: CoreTimes[] = [];
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal ...
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((s, x) => s + (x || 0), 0);
    cores[Number(m[1])] = { busy: total - idle, total, steal: v[7] || 0 };
  }
  return cores;
}

export function coreTimes(): CoreTimes[] {
  try {
    return parseCoreTimes(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return [];
  }
}

/** Busy percentage of each core between two readings. */
export function coreBusyPct(before: CoreTimes[], after: CoreTimes[]): number[] {
  return coreSharePct(before, after, (t) => t.busy);
}

/** Steal percentage of each core between two readings: the share of its time the hypervisor gave to other guests. */
export function coreStealPct(before: CoreTimes[], after: CoreTimes[]): number[] {
  return coreSharePct(before, after, (t) => t.steal);
}

/** What share of each core's time between two readings went to `part`, in percent. */
function coreSharePct(before: CoreTimes[], after: CoreTimes[], part: (t: CoreTimes) => number): number[] {
  return after.map((a, i) => {
    const b = before[i];
    if (!b || a.total === b.total) return 0;
    return (100 * (part(a) - part(b))) / (a.total - b.total);
  });
}

/** Steal percentage of all cores together between two readings. */
export function hostStealPct(before: CoreTimes[], after: CoreTimes[]): number {
  let steal = 0;
  let total = 0;
  after.forEach((a, i) => {
    const b = before[i];
    if (!b) return;
    steal += a.steal - b.steal;
    total += a.total - b.total;
  });
  return total > 0 ? (100 * steal) / total : 0;
}

export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

/** Pids of the running processes for which `test(pid)` holds; a process that ends meanwhile is skipped. */
function pidsWhere(test: (pid: string) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((e) => {
      if (!/^\d+$/.test(e)) return false;
      try {
        return test(e);
      } catch {
        return false; // gone
      }
    })
    .map(Number);
}

/** Pids whose command line contains every one of `parts` (e.g. a Redis started on a known port). */
export function findPids(parts: string[]): number[] {
  return pidsWhere((pid) => {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return parts.every((p) => cmd.includes(p));
  });
}

/** Parent pid from the text of /proc/<pid>/stat. */
export function parseParentPid(text: string): number {
  return Number(text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/)[1]);
}

/** The direct children of a process (PostgreSQL's postmaster: its backends and workers). */
export function childPids(root: number): number[] {
  return pidsWhere((pid) => parseParentPid(readFileSync(`/proc/${pid}/stat`, 'utf8')) === root);
}

/** A process and its direct children (PostgreSQL's postmaster and backends). */
export function processTreeCpuSeconds(root: number): number {
  return [root, ...childPids(root)].reduce((total, pid) => total + processCpuSeconds(pid), 0);
}

/**
 * Pins a process, its threads and its present children to one core; children forked later
 * inherit it. False when taskset is missing or refused.
 */
export function pinProcessTree(root: number, core: number): boolean {
  return [root, ...childPids(root)].every(
    (pid) => spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' }).status === 0,
  );
}

/** Resident set size in bytes from the text of /proc/<pid>/status (`VmRSS: 123 kB`); undefined when absent. */
export function parseVmRssBytes(text: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** A process's RSS in bytes as the kernel sees it (any process, not only our IPC children). */
export function processRssBytes(pid: number): number | undefined {
  try {
    return parseVmRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}
