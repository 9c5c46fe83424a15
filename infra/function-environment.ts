// Grants: each Grant of shared/app.ts becomes least-privilege IAM on the function's role AND the
// environment variable that tells the function where the resource is, in one call, so a function
// can never have a variable without the permission or the permission without the variable.
// Variable names come only from ENV in shared/config.ts.
import { SecretValue, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import type { Grant } from '../shared/app.js';
import { ENV } from '../shared/config.js';
import { acknowledgeWildcards, findingArn } from './nag.js';
import type { RetainFunction } from './retain-function.js';
import { emailAddress } from './settings.js';

/** Everything a grant can point at. */
export interface GrantTargets {
  readonly table: dynamodb.ITableV2;
  readonly eventBus: events.IEventBus;
  readonly bucket: s3.IBucket;
  readonly email: {
    /** `EMAIL_FROM`; its address and its domain are the SES identities allowed to send. */
    readonly from: string;
    readonly configurationSetName: string;
    /** SES templates the function may send with. */
    readonly templateNames: readonly string[];
  };
  /** Name of the Secrets Manager secret holding the unsubscribe-link signing key. */
  readonly unsubscribeSecretName: string;
  /** `PUBLIC_BASE_URL`: where links in emails (unsubscribe) point. */
  readonly publicBaseUrl: string;
}

/** Variables every function gets, whatever its grants. */
export function baseEnvironment(settings: {
  readonly businessTimeZone: string;
  readonly businessSettings?: string;
}): Record<string, string> {
  return {
    [ENV.businessTimeZone]: settings.businessTimeZone,
    ...(settings.businessSettings ? { [ENV.settings]: settings.businessSettings } : {}),
  };
}

/** The policy that `grant*` calls on the function extend. */
function defaultPolicy(fn: RetainFunction): IConstruct {
  const policy = fn.role.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error(`${fn.node.path}: the role has no default policy to acknowledge findings on`);
  return policy;
}

/**
 * The common shape of a grant: CDK's `grant*` call, the variable that names the resource, and the
 * cdk-nag wildcard findings that call is known to raise, acknowledged with the reason.
 */
function grantNamed(
  fn: RetainFunction,
  grant: (lambdaFn: RetainFunction['function']) => unknown,
  [name, value]: readonly [string, string],
  wildcards?: { findings: string[]; reason: string },
): void {
  grant(fn.function);
  fn.function.addEnvironment(name, value);
  if (wildcards) acknowledgeWildcards(defaultPolicy(fn), wildcards.findings, wildcards.reason);
}

/** Grants `grant` to `fn` and sets the environment variable(s) that go with it. */
export function applyGrant(fn: RetainFunction, grant: Grant, targets: GrantTargets): void {
  const lambdaFn = fn.function;
  const stack = Stack.of(fn);
  const table = [ENV.tableName, targets.table.tableName] as const;
  const bucket = [ENV.bucketName, targets.bucket.bucketName] as const;
  const exportObjects = () => `Resource::${findingArn(fn, targets.bucket.arnForObjects('*'))}`;
  switch (grant) {
    case 'table:read':
      return grantNamed(fn, (f) => targets.table.grantReadData(f), table, {
        findings: [`Resource::${findingArn(fn, targets.table.tableArn)}/index/*`],
        reason:
          'Queries the global secondary indexes of the single table (declared in shared/app.ts); only that table.',
      });
    case 'table:write':
      return grantNamed(fn, (f) => targets.table.grantWriteData(f), table, {
        findings: ['Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*'],
        reason:
          "Writes to the table encrypted with the customer-managed key need these KMS actions (CDK's grantWriteData), on that key only.",
      });
    case 'bus:put':
      return grantNamed(fn, (f) => targets.eventBus.grantPutEventsTo(f), [
        ENV.eventBusName,
        targets.eventBus.eventBusName,
      ]);
    case 'email:send': {
      const from = emailAddress(targets.email.from);
      const domain = from.slice(from.indexOf('@') + 1);
      const arn = (resource: string, resourceName: string) =>
        stack.formatArn({ service: 'ses', resource, resourceName });
      // SESv2 SendEmail authorises the sending identity (the address or its verified domain), the
      // configuration set and, for templated messages, the template.
      lambdaFn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendBulkEmail'],
          resources: [
            arn('identity', domain),
            arn('identity', from),
            arn('configuration-set', targets.email.configurationSetName),
            ...targets.email.templateNames.map((name) => arn('template', name)),
          ],
        }),
      );
      lambdaFn.addEnvironment(ENV.emailFrom, targets.email.from);
      lambdaFn.addEnvironment(ENV.configurationSet, targets.email.configurationSetName);
      return;
    }
    case 'email:account': {
      // Own policy, so its acknowledgement covers this statement only.
      const policy = new iam.Policy(fn, 'SesAccountPolicy', {
        statements: [new iam.PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] })],
      });
      fn.role.attachInlinePolicy(policy);
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ses:GetAccount (sending quota and enforcement status) supports no resource-level permissions.',
      });
      return;
    }
    case 'bucket:read':
      return grantNamed(fn, (f) => targets.bucket.grantRead(f), bucket, {
        findings: ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', exportObjects()],
        reason:
          'Reads any export object of the exports bucket (object keys are generated per export); that bucket only.',
      });
    case 'bucket:write':
      return grantNamed(fn, (f) => targets.bucket.grantPut(f), bucket, {
        findings: [
          'Action::s3:Abort*',
          'Action::kms:ReEncrypt*',
          'Action::kms:GenerateDataKey*',
          exportObjects(),
        ],
        reason:
          'Writes export objects under generated keys into the KMS-encrypted exports bucket; that bucket and key only.',
      });
    case 'bucket:delete':
      return grantNamed(fn, (f) => targets.bucket.grantDelete(f), bucket, {
        findings: ['Action::s3:DeleteObject*', exportObjects()],
        reason:
          'Deletes the objects a nightly run stored in the exports bucket once the run completes; that bucket only.',
      });
    case 'secret:unsubscribe': {
      // Trade-off: CloudFormation resolves this dynamic reference at deploy time, so the value sits in
      // the function configuration (readable by anyone allowed lambda:GetFunctionConfiguration) and
      // a new secret value reaches the function only on the next deployment. In exchange the
      // function needs no Secrets Manager permission, no SDK client and no cold-start call.
      // Rotating the key invalidates every unsubscribe link already sent, hence no rotation schedule.
      const secret = SecretValue.secretsManager(targets.unsubscribeSecretName);
      lambdaFn.addEnvironment(ENV.unsubscribeSecret, secret.unsafeUnwrap());
      lambdaFn.addEnvironment(ENV.publicBaseUrl, targets.publicBaseUrl);
      return;
    }
    default: {
      const unknown: never = grant;
      throw new Error(`No IAM mapping for grant ${String(unknown)}: add it to infra/function-environment.ts`);
    }
  }
}

/** Applies every grant of a function. */
export function applyGrants(fn: RetainFunction, grants: readonly Grant[], targets: GrantTargets): void {
  for (const grant of new Set(grants)) applyGrant(fn, grant, targets);
}
