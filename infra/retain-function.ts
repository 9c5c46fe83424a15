// The one construct that owns function defaults: runtime, architecture, memory, timeout,
// bundling, logging, tracing and the execution role. Everything specific to a function comes from
// its FunctionSpec in shared/app.ts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import type { FunctionSpec } from '../shared/app.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULT_MEMORY_MB = 512;
export const DEFAULT_TIMEOUT_SECONDS = 10;

const TARGET = 'node22';
const MAIN_FIELDS = ['module', 'main'];
// ESM bundles still meet CommonJS dependencies that call `require` for Node built-ins.
const REQUIRE_SHIM =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * How every function is bundled: the one constant that both the CDK construct and the benchmark
 * (`npm run bench`, through `esbuildOptions` below) use. The AWS SDK is bundled too (no external
 * modules): measured, a bundled SDK starts faster than the runtime's copy loaded from
 * node_modules (docs/performance.md), and the deployed code runs the SDK versions pinned in
 * package-lock.json.
 */
export const bundlingOptions: BundlingOptions = {
  format: OutputFormat.ESM,
  target: TARGET,
  minify: true,
  sourceMap: true,
  // Stack traces only need the mappings; embedding the sources would double the bundle.
  sourcesContent: false,
  mainFields: MAIN_FIELDS,
  banner: REQUIRE_SHIM,
  externalModules: [],
};

/** NODE_OPTIONS of every function: stack traces through the bundled source maps. */
export const DEPLOYED_NODE_OPTIONS = '--enable-source-maps';

/**
 * `bundlingOptions` as plain esbuild options (what NodejsFunction passes to esbuild), for the
 * benchmark: `esbuild.build({ ...esbuildOptions, entryPoints: [entry], outdir })`.
 */
export const esbuildOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: bundlingOptions.format === OutputFormat.ESM ? 'esm' : 'cjs',
  target: bundlingOptions.target,
  minify: bundlingOptions.minify,
  sourcemap: bundlingOptions.sourceMap,
  sourcesContent: bundlingOptions.sourcesContent,
  mainFields: [...(bundlingOptions.mainFields ?? [])],
  ...(bundlingOptions.banner ? { banner: { js: bundlingOptions.banner } } : {}),
  external: [...(bundlingOptions.externalModules ?? [])],
  outExtension: { '.js': bundlingOptions.format === OutputFormat.ESM ? '.mjs' : '.js' },
};

export interface RetainFunctionProps {
  /** The key of the function in `functions` of shared/app.ts. */
  readonly name: string;
  readonly spec: FunctionSpec;
  /** Environment shared by every function (see function-environment.ts). */
  readonly environment?: Readonly<Record<string, string>>;
}

export class RetainFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RetainFunctionProps) {
    super(scope, id);
    const { spec } = props;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An own role instead of the default one: the default attaches the AWS managed
    // AWSLambdaBasicExecutionRole (logs:* on every log group); this one writes to its log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Retain function ${props.name}`,
    });
    this.logGroup.grantWrite(this.role);

    const entry = path.resolve(projectRoot, spec.entry);
    const common = {
      description: spec.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
      timeout: Duration.seconds(spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      environment: {
        NODE_OPTIONS: DEPLOYED_NODE_OPTIONS,
        ...props.environment,
      },
    } satisfies Partial<lambda.FunctionProps>;

    if (!existsSync(entry) && !Stack.of(this).bundlingRequired) {
      // Bundling is skipped for this stack (tests, `cdk synth OtherStack`), so the code is never
      // built; a missing handler file (declared before it is written) must not stop the synth.
      // With bundling, NodejsFunction fails on the missing file as it should.
      Annotations.of(this).addWarningV2('retain:missingEntry', `${spec.entry} does not exist yet`);
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("not built"); };'),
        handler: 'index.handler',
      });
    } else {
      this.function = new NodejsFunction(this, 'Function', {
        ...common,
        entry,
        handler: 'handler',
        projectRoot,
        depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
        bundling: bundlingOptions,
      });
    }

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x on purpose: bundles target node22 and the toolchain is verified against it; moving to a newer runtime is a deliberate change of runtime and bundling target together.',
    });

    // Active tracing adds xray:PutTraceSegments/PutTelemetryRecords to the role's default policy.
    const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy) {
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments and PutTelemetryRecords (active tracing) support no resource-level permissions.',
      });
    }
  }
}
