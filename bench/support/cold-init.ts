// Cold init of a bundle: a fresh Node process imports it (module scope runs: clients are created,
// schemas are built) and reports how long the import took. Nothing is invoked: the first
// invocation's own cost (credential lookup, the first connection) is the same with or without our
// code, so it would only blur the comparison with the reference.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { median } from './stats.js';

const PROBE = [
  'const start = performance.now();',
  'const module = await import(process.argv[1]);',
  'const ms = performance.now() - start;',
  "if (typeof module.handler !== 'function') throw new Error('the bundle exports no handler');",
  'process.stdout.write(String(ms));',
].join(' ');

export interface InitCase {
  /** A label unique among the cases of one measurement. */
  key: string;
  bundle: string;
  /** Node flags, e.g. `--enable-source-maps` as NODE_OPTIONS sets it on Lambda. */
  nodeFlags: readonly string[];
}

function importOnce(run: InitCase, env: NodeJS.ProcessEnv): number {
  const result = spawnSync(
    process.execPath,
    [...run.nodeFlags, '--input-type=module', '-e', PROBE, pathToFileURL(run.bundle).href],
    { env, encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0)
    throw new Error(`cold init of ${run.key} failed: ${result.stderr || result.error?.message}`);
  return Number(result.stdout);
}

/**
 * Median import time of each case over `rounds` rounds. Cases are interleaved (every round runs
 * every case, in a rotated order), so a busy moment of the machine hits all of them alike; one
 * discarded round first warms the file cache.
 */
export function medianInitTimes(
  cases: readonly InitCase[],
  env: NodeJS.ProcessEnv,
  rounds = 9,
): Map<string, { medianMs: number; samples: number[] }> {
  const samples = new Map<string, number[]>(cases.map((run) => [run.key, []]));
  for (let round = -1; round < rounds; round++) {
    const offset = Math.max(0, round) % cases.length;
    const order = [...cases.slice(offset), ...cases.slice(0, offset)];
    for (const run of order) {
      const ms = importOnce(run, env);
      if (round >= 0) samples.get(run.key)?.push(ms);
    }
  }
  return new Map([...samples].map(([key, values]) => [key, { medianMs: median(values), samples: values }]));
}
