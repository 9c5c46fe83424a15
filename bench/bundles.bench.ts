// Bundles and cold start. Every function declared in shared/app.ts is bundled exactly as it
// deploys (the esbuild options derived from `bundlingOptions` in infra/retain-function.ts), then:
// - its size, split into the AWS SDK, other libraries and our own code (esbuild's metafile);
// - its cold init (a fresh Node process imports the bundle: module scope runs, nothing is invoked)
//   next to a reference bundled the same way that only creates the same AWS clients;
// - the same with the SDK left to the Lambda runtime instead of bundled (locally the SDK then
//   loads from node_modules, which approximates the runtime's own copy), and without
//   --enable-source-maps, to show what each choice costs.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { DEPLOYED_NODE_OPTIONS, esbuildOptions, projectRoot } from '../infra/retain-function.js';
import { type FunctionSpec, functions } from '../shared/app.js';
import { ENV } from '../shared/config.js';
import { type InitCase, medianInitTimes } from './support/cold-init.js';
import type { Benchmark, Figure } from './types.js';

const OUT = resolve(projectRoot, '.tmp', 'bench-bundles');
const SDK_PATTERN = '@aws-sdk/*';
const OWN_CODE_GOAL_KB = 50;
const INIT_GOAL_RATIO = 1.3;
// 21 rounds: a cold start on a shared 2-core machine is bimodal (a descheduled process takes 2x);
// with 7 the median of one reference, shared by up to 9 functions, still moved ±20% between runs,
// and with 11 the one function over the line changed from run to run (docs/performance.md).
const ROUNDS = 21;

type SdkMode = 'bundled' | 'external';

/** How the reference creates each SDK client our code may use (all clients of shared/clients/). */
const CLIENTS: Record<string, { imports: string; create: string }> = {
  '@aws-sdk/client-dynamodb': {
    imports: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    create: 'const dynamoDb = new DynamoDBClient({ maxAttempts: 8 });',
  },
  '@aws-sdk/lib-dynamodb': {
    imports: "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    create: 'clients.push(DynamoDBDocumentClient.from(dynamoDb));',
  },
  '@aws-sdk/client-eventbridge': {
    imports: "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';",
    create: 'clients.push(new EventBridgeClient({ maxAttempts: 8 }));',
  },
  '@aws-sdk/client-sesv2': {
    imports: "import { SESv2Client } from '@aws-sdk/client-sesv2';",
    create: 'clients.push(new SESv2Client({ maxAttempts: 3 }));',
  },
  '@aws-sdk/client-s3': {
    imports: "import { S3Client } from '@aws-sdk/client-s3';",
    create: 'clients.push(new S3Client({}));',
  },
};

const deployedMode: SdkMode = (esbuildOptions.external ?? []).some((pattern) =>
  pattern.startsWith('@aws-sdk'),
)
  ? 'external'
  : 'bundled';
const otherMode: SdkMode = deployedMode === 'bundled' ? 'external' : 'bundled';

function optionsFor(mode: SdkMode): BuildOptions {
  const external = (esbuildOptions.external ?? []).filter((pattern) => !pattern.startsWith('@aws-sdk'));
  return { ...esbuildOptions, external: mode === 'external' ? [...external, SDK_PATTERN] : external };
}

/** `node_modules/@smithy/core/dist-es/x.js` → `@smithy/core`; our own files → undefined. */
function packageOf(path: string): string | undefined {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const [scope, name] = path.slice(at + 'node_modules/'.length).split('/');
  return scope?.startsWith('@') ? `${scope}/${name}` : scope;
}

const isSdkPackage = (name: string) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/');

interface Composition {
  total: number;
  sdk: number;
  /** Everything but the SDK: our code, the other libraries and esbuild's glue. */
  rest: number;
  own: number;
  libraries: Map<string, number>;
  /** SDK packages the bundle uses (bundled or left external). */
  sdkPackages: Set<string>;
}

/**
 * Splits an output's bytes. SDK = @aws-sdk/*, @smithy/* and whatever is reached only through
 * them (mnemonist, fast-xml-parser…): walk the import graph from the entry without entering the
 * SDK; what that walk reaches in node_modules is "other libraries", the rest of node_modules is SDK.
 */
function composition(metafile: Metafile, outputFile: string, entry: string): Composition {
  const output = metafile.outputs[outputFile];
  if (!output) throw new Error(`no output ${outputFile} in the metafile`);
  const sdkPackages = new Set<string>();
  const reached = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const current = queue.pop() as string;
    for (const imported of metafile.inputs[current]?.imports ?? []) {
      const name = packageOf(imported.path) ?? (imported.external ? imported.path : undefined);
      if (name && isSdkPackage(name)) {
        sdkPackages.add(imported.external ? name.split('/').slice(0, 2).join('/') : name);
        continue;
      }
      if (imported.external || reached.has(imported.path)) continue;
      reached.add(imported.path);
      queue.push(imported.path);
    }
  }
  let sdk = 0;
  let own = 0;
  const libraries = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(path);
    if (name === undefined) own += bytesInOutput;
    else if (reached.has(path)) libraries.set(name, (libraries.get(name) ?? 0) + bytesInOutput);
    else {
      sdk += bytesInOutput;
      if (isSdkPackage(name)) sdkPackages.add(name);
    }
  }
  return { total: output.bytes, sdk, rest: output.bytes - sdk, own, libraries, sdkPackages };
}

interface Built {
  file: string;
  composition: Composition;
}

async function bundle(name: string, entry: string, mode: SdkMode): Promise<Built> {
  const outdir = join(OUT, mode);
  const result = await build({
    ...optionsFor(mode),
    entryPoints: { [name]: entry },
    outdir,
    absWorkingDir: projectRoot,
    metafile: true,
    logLevel: 'error',
  });
  const outputFile = Object.keys(result.metafile.outputs).find((file) => file.endsWith(`${name}.mjs`));
  if (!outputFile) throw new Error(`esbuild wrote no ${name}.mjs`);
  const entryInput = Object.keys(result.metafile.inputs).find(
    (input) => resolve(projectRoot, input) === entry,
  );
  if (!entryInput) throw new Error(`entry ${entry} is not among the metafile inputs`);
  return {
    file: resolve(projectRoot, outputFile),
    composition: composition(result.metafile, outputFile, entryInput),
  };
}

/** A handler that creates the clients of `sdkPackages` and does nothing else. */
function referenceSource(sdkPackages: ReadonlySet<string>): string {
  const used = Object.keys(CLIENTS).filter(
    (name) =>
      sdkPackages.has(name) ||
      // the document client needs the DynamoDB client it wraps
      (name === '@aws-sdk/client-dynamodb' && sdkPackages.has('@aws-sdk/lib-dynamodb')),
  );
  return [
    ...used.map((name) => CLIENTS[name]?.imports),
    'const clients = [];',
    ...used.map((name) => CLIENTS[name]?.create),
    'export const handler = async () => clients.length;',
    '',
  ].join('\n');
}

const kB = (bytes: number) => bytes / 1000;

function describeRest(parts: Composition): string {
  const libraries = [...parts.libraries]
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => `${name} ${kB(bytes).toFixed(1)}`)
    .join(', ');
  return `AWS SDK ${kB(parts.sdk).toFixed(1)} kB; everything else ${kB(parts.rest).toFixed(1)} kB = own code ${kB(parts.own).toFixed(1)} + ${libraries || 'no libraries'} + esbuild glue`;
}

/** What a deployed function sees in its environment, with placeholder values. */
function deployedEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...Object.fromEntries(
      Object.values(ENV).map((variable) => [variable, `bench-${variable.toLowerCase()}`]),
    ),
    [ENV.publicBaseUrl]: 'https://retain.example',
    [ENV.businessTimeZone]: 'UTC',
    [ENV.s3ForcePathStyle]: 'false',
    [ENV.unsubscribeSecret]: 'bench-unsubscribe-secret-0123456789',
    [ENV.settings]: '{}',
  };
}

type Variants = Record<SdkMode, Built>;

const benchmark: Benchmark = {
  title: 'Bundles and cold start',
  async run(context) {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(join(OUT, 'src'), { recursive: true });

    const built = new Map<string, Variants>();
    for (const [name, spec] of Object.entries(functions as Record<string, FunctionSpec>)) {
      const entry = resolve(projectRoot, spec.entry);
      if (!existsSync(entry)) {
        context.note(`${name}: ${spec.entry} does not exist yet, not measured`);
        continue;
      }
      try {
        const variants = { [deployedMode]: await bundle(name, entry, deployedMode) } as Variants;
        variants[otherMode] = await bundle(name, entry, otherMode);
        built.set(name, variants);
      } catch (error) {
        context.note(`${name}: bundling failed, not measured: ${(error as Error).message.split('\n')[0]}`);
      }
    }

    // One reference per distinct set of clients.
    const references = new Map<string, { key: string; variants: Variants }>();
    const referenceOf = new Map<string, { key: string; variants: Variants }>();
    for (const [name, variants] of built) {
      const source = referenceSource(variants.bundled.composition.sdkPackages);
      let reference = references.get(source);
      if (!reference) {
        const key = `reference-${references.size + 1}`;
        const entry = join(OUT, 'src', `${key}.js`);
        writeFileSync(entry, source);
        const referenceVariants = { [deployedMode]: await bundle(key, entry, deployedMode) } as Variants;
        referenceVariants[otherMode] = await bundle(key, entry, otherMode);
        reference = { key, variants: referenceVariants };
        references.set(source, reference);
      }
      referenceOf.set(name, reference);
    }

    const deployedFlags = DEPLOYED_NODE_OPTIONS.split(' ').filter(Boolean);
    const withoutSourceMaps = deployedFlags.filter((flag) => flag !== '--enable-source-maps');
    const cases: InitCase[] = [];
    const add = (key: string, bundleFile: string, flags: readonly string[]) => {
      if (!cases.some((existing) => existing.key === key))
        cases.push({ key, bundle: bundleFile, nodeFlags: flags });
    };
    for (const [name, variants] of built) {
      const reference = referenceOf.get(name) as { key: string; variants: Variants };
      add(`${name}:${deployedMode}`, variants[deployedMode].file, deployedFlags);
      add(`${name}:${otherMode}`, variants[otherMode].file, deployedFlags);
      add(`${reference.key}:${deployedMode}`, reference.variants[deployedMode].file, deployedFlags);
      if (withoutSourceMaps.length !== deployedFlags.length) {
        add(`${name}:no-source-maps`, variants[deployedMode].file, withoutSourceMaps);
      }
    }
    context.note(
      `Cold init: a fresh \`node ${deployedFlags.join(' ')}\` process (NODE_OPTIONS as deployed) imports the bundle ` +
        `(module scope runs: clients created, schemas built; nothing is invoked); median of ${ROUNDS} rounds, ` +
        'every round runs every bundle in a rotated order. The reference is bundled with the same options and only ' +
        'creates the same AWS SDK clients.',
    );
    context.note(
      `SDK ${otherMode === 'external' ? "external: the bundle leaves @aws-sdk/* to the Lambda runtime; here it loads from node_modules, which approximates the runtime's own copy" : 'bundled: the alternative to the deployed external SDK'}. ` +
        `Measured on Node ${process.version} (Lambda: nodejs22.x on arm64).`,
    );
    context.log(`cold init: ${cases.length} bundles × ${ROUNDS + 1} rounds in fresh Node processes…`);
    const init = medianInitTimes(cases, deployedEnvironment(), context.quick ? 1 : ROUNDS);
    const ms = (key: string) => init.get(key)?.medianMs ?? Number.NaN;

    const figures: Figure[] = [];
    const sums = { deployed: 0, other: 0, noSourceMaps: 0 };
    for (const [name, variants] of built) {
      const deployed = variants[deployedMode];
      const reference = referenceOf.get(name) as { key: string; variants: Variants };
      const clients =
        [...deployed.composition.sdkPackages].filter((pkg) => pkg in CLIENTS).join(', ') || 'none';
      figures.push({
        name: `${name}: bundle`,
        value: kB(deployed.composition.total),
        unit: 'kB',
        reference: {
          name: `reference (${clients})`,
          value: kB(reference.variants[deployedMode].composition.total),
          unit: 'kB',
        },
        notes: describeRest(deployed.composition),
      });
      figures.push({
        name: `${name}: own code (functions/, shared/)`,
        value: kB(deployed.composition.own),
        unit: 'kB',
        goal: `< ${OWN_CODE_GOAL_KB} kB`,
        met: kB(deployed.composition.own) < OWN_CODE_GOAL_KB,
      });
      const initMs = ms(`${name}:${deployedMode}`);
      const referenceMs = ms(`${reference.key}:${deployedMode}`);
      figures.push({
        name: `${name}: cold init`,
        value: initMs,
        unit: 'ms',
        reference: { name: 'reference', value: referenceMs, unit: 'ms' },
        goal: `≤ ${INIT_GOAL_RATIO}x`,
        met: initMs / referenceMs <= INIT_GOAL_RATIO,
      });
      figures.push({
        name: `${name}: cold init, SDK ${otherMode}`,
        value: ms(`${name}:${otherMode}`),
        unit: 'ms',
        reference: { name: `SDK ${deployedMode} (deployed)`, value: initMs, unit: 'ms' },
        notes: `bundle ${kB(variants[otherMode].composition.total).toFixed(0)} kB`,
      });
      sums.deployed += initMs;
      sums.other += ms(`${name}:${otherMode}`);
      sums.noSourceMaps += ms(`${name}:no-source-maps`);
    }
    figures.push({
      name: `all functions: cold init, SDK ${otherMode} (sum of medians)`,
      value: sums.other,
      unit: 'ms',
      reference: { name: `SDK ${deployedMode} (deployed)`, value: sums.deployed, unit: 'ms' },
      goal: 'the deployed choice is the faster',
      met: sums.deployed <= sums.other,
      notes: '`bundlingOptions.externalModules` in infra/retain-function.ts follows this figure',
    });
    if (withoutSourceMaps.length !== deployedFlags.length) {
      figures.push({
        name: 'all functions: cold init without --enable-source-maps (sum of medians)',
        value: sums.noSourceMaps,
        unit: 'ms',
        reference: { name: 'with it (deployed)', value: sums.deployed, unit: 'ms' },
        notes: 'what readable stack traces cost at cold start',
      });
    }
    return figures;
  },
};

export default benchmark;
