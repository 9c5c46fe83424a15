// `npm run job -- <job-name> [--as-of YYYY-MM-DD]`: runs a declared job now in the running local
// stack (`npm start`), waits until every event it caused is handled, and prints what it did.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { allJobs } from '../../shared/app.js';
import { runtimeFile } from './paths.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'as-of': { type: 'string' } },
});
const job = positionals[0];
const jobs = allJobs().map((declared) => declared.job);
if (!job || !jobs.includes(job)) {
  console.error(`usage: npm run job -- <${jobs.join('|')}> [--as-of YYYY-MM-DD]`);
  process.exit(2);
}
const asOf = values['as-of'];
if (asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) {
  console.error('--as-of must be a date, YYYY-MM-DD');
  process.exit(2);
}
if (!existsSync(runtimeFile)) {
  console.error('Retain is not running here: start it with `npm start` first.');
  process.exit(1);
}
const { control } = JSON.parse(readFileSync(runtimeFile, 'utf8')) as { control: string };
const started = Date.now();
const response = await fetch(`${control}/jobs/${job}`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(asOf ? { asOf } : {}),
});
const outcome = (await response.json()) as { result?: unknown; events?: string[]; error?: string };
if (!response.ok) {
  console.error(`job ${job} failed: ${outcome.error}`);
  process.exit(1);
}
const counts = new Map<string, number>();
for (const event of outcome.events ?? []) counts.set(event, (counts.get(event) ?? 0) + 1);
console.log(`job ${job} finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(JSON.stringify(outcome.result, null, 2));
if (counts.size) {
  console.log('events:');
  for (const [type, count] of counts) console.log(`  ${type} × ${count}`);
}
