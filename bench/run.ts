// `npm run bench`: runs every bench/*.bench.ts in one process tree and writes a Markdown and a
// JSON report under bench/reports/ (ignored by git). Figures are reported as ratios to a reference
// measured in the same run.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type LocalStack, startLocalStack } from '../infra/local/local-stack.js';
import type { Benchmark, Figure } from './types.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'error';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

let stack: Promise<LocalStack> | undefined;
const context = {
  stack: () => {
    stack ??= startLocalStack({
      apiPort: 0,
      persist: false,
      scheduler: false,
      dataDir: resolve(here, '..', '.tmp', `bench-${process.pid}`),
    });
    return stack;
  },
  log: (message: string) => console.log(`  ${message}`),
};

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const sections: Array<{ title: string; figures: Figure[]; error?: string }> = [];
for (const file of files) {
  const module = (await import(pathToFileURL(join(here, file)).href)) as { default: Benchmark };
  console.log(`▶ ${module.default.title}`);
  try {
    const figures = await module.default.run(context);
    for (const figure of figures) {
      if (figure.reference && figure.ratio === undefined) figure.ratio = figure.value / figure.reference.value;
      console.log(
        `  ${figure.name}: ${figure.value.toFixed(2)} ${figure.unit}` +
          (figure.reference ? ` vs ${figure.reference.name} ${figure.reference.value.toFixed(2)} ${figure.reference.unit} → ${figure.ratio?.toFixed(2)}x` : '') +
          (figure.goal ? ` (goal ${figure.goal}: ${figure.met ? 'met' : 'NOT met'})` : ''),
      );
    }
    sections.push({ title: module.default.title, figures });
  } catch (error) {
    console.error(`  failed: ${(error as Error).stack}`);
    sections.push({ title: module.default.title, figures: [], error: (error as Error).message });
  }
}
if (stack) await (await stack).stop();

const reportDir = resolve(here, 'reports');
mkdirSync(reportDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const fmt = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2));
const markdown = [
  `# Retain benchmark, ${new Date().toISOString()}`,
  '',
  `Machine: ${machine}`,
  '',
  ...sections.flatMap((section) => [
    `## ${section.title}`,
    '',
    ...(section.error ? [`Failed: ${section.error}`, ''] : []),
    '| figure | value | reference | ratio | goal |',
    '|---|---|---|---|---|',
    ...section.figures.map(
      (figure) =>
        `| ${figure.name} | ${fmt(figure.value)} ${figure.unit} | ${figure.reference ? `${figure.reference.name}: ${fmt(figure.reference.value)} ${figure.reference.unit}` : ''} | ${figure.ratio !== undefined ? `${figure.ratio.toFixed(2)}x` : ''} | ${figure.goal ? `${figure.goal} ${figure.met ? '✅' : '❌'}` : ''} |`,
    ),
    '',
  ]),
].join('\n');
const markdownFile = join(reportDir, `bench-${stamp}.md`);
writeFileSync(markdownFile, markdown);
writeFileSync(join(reportDir, `bench-${stamp}.json`), JSON.stringify({ machine, sections }, null, 2));
writeFileSync(join(reportDir, 'latest.md'), markdown);
console.log(`\nReport: ${markdownFile}`);
process.exit(sections.some((section) => section.error) ? 1 : 0);
