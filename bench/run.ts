// `npm run bench`: runs every bench/*.bench.ts in one process tree and writes a Markdown and a
// JSON report under bench/reports/ (ignored by git). Figures are reported as ratios to a reference
// measured in the same run.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type LocalStack, startLocalStack } from '../infra/local/local-stack.js';
import type { Benchmark, Figure } from './types.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'error';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
// `--quick`: small sizes and short runs, to check that every benchmark works (figures not comparable).
const quick = args.includes('--quick');
const only = args.filter((arg) => !arg.startsWith('--'));
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

let stack: Promise<LocalStack> | undefined;
const stackDir = resolve(here, '..', '.tmp', `bench-${process.pid}`);
let notes: string[] = [];
const context = {
  stack: () => {
    stack ??= startLocalStack({
      apiPort: 0,
      persist: false,
      scheduler: false,
      dataDir: stackDir,
    });
    return stack;
  },
  quick,
  log: (message: string) => console.log(`  ${message}`),
  note: (text: string) => {
    notes.push(text);
    console.log(`  note: ${text}`);
  },
};

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
// Other work on the machine slows the figure and its reference alike (the ratio holds), but the
// absolute numbers only mean something next to how busy the machine was.
const load = () => loadavg()[0]?.toFixed(1) ?? '?';
const loadAtStart = load();
const sections: Array<{ title: string; figures: Figure[]; notes: string[]; error?: string }> = [];
const reportDir = resolve(here, 'reports');
mkdirSync(reportDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const name = quick ? `bench-quick-${stamp}` : `bench-${stamp}`;
const markdownFile = join(reportDir, `${name}.md`);
const fmt = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2));

/** Written after every benchmark, so a run stopped half-way still leaves what it measured. */
function writeReport(done: boolean): void {
  const machineLine = `${machine}; 1-minute load average ${loadAtStart} at the start, ${load()} at the end`;
  const markdown = [
    `# Retain benchmark, ${new Date().toISOString()}`,
    '',
    `Machine: ${machineLine}`,
    '',
    ...(quick
      ? ['**Quick run** (`--quick`): small sizes, short runs; the figures are not comparable.', '']
      : []),
    ...(done ? [] : [`**Partial**: ${sections.length} of ${files.length} benchmarks so far.`, '']),
    ...sections.flatMap((section) => [
      `## ${section.title}`,
      '',
      ...(section.error ? [`Failed: ${section.error}`, ''] : []),
      ...section.notes.map((note) => `- ${note}`),
      ...(section.notes.length ? [''] : []),
      '| figure | value | reference | ratio | goal | notes |',
      '|---|---|---|---|---|---|',
      ...section.figures.map(
        (figure) =>
          `| ${figure.name} | ${fmt(figure.value)} ${figure.unit} | ${figure.reference ? `${figure.reference.name}: ${fmt(figure.reference.value)} ${figure.reference.unit}` : ''} | ${figure.ratio !== undefined ? `${figure.ratio.toFixed(2)}x` : ''} | ${figure.goal ? `${figure.goal} ${figure.met ? '✅' : '❌'}` : ''} | ${(figure.notes ?? '').replaceAll('|', '\\|')} |`,
      ),
      '',
    ]),
  ].join('\n');
  const json = JSON.stringify({ machine: machineLine, quick, done, sections }, null, 2);
  writeFileSync(markdownFile, markdown);
  writeFileSync(join(reportDir, `${name}.json`), json);
  // latest.* is the last complete run of every benchmark.
  if (done && !quick && only.length === 0) {
    writeFileSync(join(reportDir, 'latest.md'), markdown);
    writeFileSync(join(reportDir, 'latest.json'), json);
  }
}

for (const file of files) {
  let title = file;
  notes = [];
  try {
    const module = (await import(pathToFileURL(join(here, file)).href)) as { default: Benchmark };
    title = module.default.title;
    console.log(`▶ ${title}`);
    const figures = await module.default.run(context);
    for (const figure of figures) {
      if (figure.reference && figure.ratio === undefined)
        figure.ratio = figure.value / figure.reference.value;
      console.log(
        `  ${figure.name}: ${figure.value.toFixed(2)} ${figure.unit}` +
          (figure.reference
            ? ` vs ${figure.reference.name} ${figure.reference.value.toFixed(2)} ${figure.reference.unit} → ${figure.ratio?.toFixed(2)}x`
            : '') +
          (figure.goal ? ` (goal ${figure.goal}: ${figure.met ? 'met' : 'NOT met'})` : ''),
      );
    }
    sections.push({ title, figures, notes });
  } catch (error) {
    console.error(`  ${title} failed: ${(error as Error).stack}`);
    sections.push({ title, figures: [], notes, error: (error as Error).message });
  }
  writeReport(false);
}
// A stack that failed to start was reported by every benchmark that needed it.
if (stack)
  await stack.then(
    (started) => started.stop(),
    () => undefined,
  );
rmSync(stackDir, { recursive: true, force: true });
writeReport(true);
console.log(`\nReport: ${markdownFile}`);
process.exit(sections.some((section) => section.error) ? 1 : 0);
