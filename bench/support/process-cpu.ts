// CPU time of this process's child processes of one command (e.g. DynamoDB Local's `java`), read
// from /proc: says which side of a benchmark the time goes to (the emulator or our Node code).
// Linux only; elsewhere `undefined`.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux we run on

/** Seconds of CPU (user + system) used so far by the children of this process named `command`. */
export function childCpuSeconds(command: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let ticks = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid … utime stime: comm may hold spaces, so split after its closing paren.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (comm !== command || Number(fields[1]) !== process.pid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds `work` cost this process and the named children. */
export async function cpuDuring<T>(
  command: string,
  work: () => Promise<T>,
): Promise<{ result: T; ownSeconds: number; childSeconds: number | undefined }> {
  const own = process.cpuUsage();
  const child = childCpuSeconds(command);
  const result = await work();
  const used = process.cpuUsage(own);
  const childAfter = childCpuSeconds(command);
  return {
    result,
    ownSeconds: (used.user + used.system) / 1e6,
    childSeconds: child === undefined || childAfter === undefined ? undefined : childAfter - child,
  };
}
