// The deployment, checked on the synthesized templates. Expected counts come from shared/app.ts,
// so these tests keep passing as functions, routes, schedules and rules are declared. A second
// suite deploys a synthetic declaration that uses every kind of entry, so the paths the real
// declaration does not use yet (schedules, rules, every grant) are covered too.
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ACCESS_LOG_FORMAT, API_THROTTLE, describeCron } from '../../infra/app-stack.js';
import type { EmailTemplate } from '../../infra/email-templates.js';
import { addRetainStacks, type RetainStacks } from '../../infra/retain-stacks.js';
import type { RetainSettings } from '../../infra/settings.js';
import {
  functions as declaredFunctions,
  EVENT_SOURCE,
  type FunctionSpec,
  type Grant,
  table,
} from '../../shared/app.js';
import { ENV } from '../../shared/config.js';

const settings: RetainSettings = {
  stage: 'test',
  businessTimeZone: 'Europe/Berlin',
  emailFrom: 'Shop <no-reply@shop.example>',
  authDomainPrefix: 'retain-test',
};

const templates: EmailTemplate[] = [
  { name: 'birthday', subject: 'Happy birthday, {{firstName}}', html: '<p>Hi</p>', text: 'Hi' },
];

/** The environment variables a grant must set (besides BUSINESS_TIME_ZONE and NODE_OPTIONS). */
const variablesOf: Record<Grant, readonly string[]> = {
  'table:read': [ENV.tableName],
  'table:write': [ENV.tableName],
  'bus:put': [ENV.eventBusName],
  'email:send': [ENV.emailFrom, ENV.configurationSet],
  'email:account': [],
  'bucket:read': [ENV.bucketName],
  'bucket:write': [ENV.bucketName],
  'bucket:delete': [ENV.bucketName],
  'secret:unsubscribe': [ENV.unsubscribeSecret, ENV.publicBaseUrl],
};

interface Deployment {
  readonly app: App;
  readonly stacks: RetainStacks;
  readonly data: Template;
  readonly application: Template;
  readonly functions: Readonly<Record<string, FunctionSpec>>;
}

function deploy(
  functions?: Readonly<Record<string, FunctionSpec>>,
  overrides: Partial<RetainSettings> = {},
): Deployment {
  // Bundling skipped: these tests are about the infrastructure, not the bundles.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stacks = addRetainStacks(
    app,
    { ...settings, ...overrides },
    templates,
    { region: 'eu-central-1' },
    functions,
  );
  return {
    app,
    stacks,
    data: Template.fromStack(stacks.data),
    application: Template.fromStack(stacks.app),
    functions: functions ?? (declaredFunctions as Record<string, FunctionSpec>),
  };
}

function functionLogicalId(deployment: Deployment, name: string): string {
  const fn = deployment.stacks.app.functions.get(name);
  if (!fn) throw new Error(`function ${name} was not deployed`);
  return deployment.stacks.app.getLogicalId(fn.function.node.defaultChild as CfnFunction);
}

type Resource = { Properties: Record<string, unknown> } & Record<string, unknown>;

function resources(template: Template, type: string, props?: Record<string, unknown>): Resource[] {
  return Object.values(template.findResources(type, props ? { Properties: props } : undefined)) as Resource[];
}

/** Checks every deployment must pass, whatever it declares. */
function describeDeployment(title: string, build: () => Deployment): void {
  describe(title, () => {
    const deployment = build();
    const { app, data, application, functions } = deployment;
    const specs = Object.entries(functions);
    const routes = specs.flatMap(([, spec]) => spec.routes ?? []);
    const schedules = specs.flatMap(([, spec]) => spec.schedules ?? []);
    const rules = specs.flatMap(([, spec]) => spec.events ?? []);

    it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
      const { violations } = new AwsSolutionsChecks(app).validateScope(app);
      expect(
        violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`),
      ).toEqual([]);
    });

    it('gives every acknowledgement a reason', () => {
      const acknowledgements = app.node
        .findAll()
        .flatMap((node) => node.node.metadata)
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>));
      expect(acknowledgements.length).toBeGreaterThan(0);
      for (const [id, reason] of acknowledgements) {
        expect(id).toMatch(/AwsSolutions-/);
        expect(typeof reason === 'string' && reason.trim().length >= 20, `${id} needs a reason`).toBe(true);
      }
    });

    it('keeps the table point-in-time recoverable, deletion-protected, KMS-encrypted and retained', () => {
      data.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: table.partitionKey, KeyType: 'HASH' },
          { AttributeName: table.sortKey, KeyType: 'RANGE' },
        ],
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            SSESpecification: { KMSMasterKeyId: Match.anyValue() },
          }),
        ],
      });
      data.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    it('creates every index of the declared table', () => {
      for (const index of table.indexes) {
        data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
          GlobalSecondaryIndexes: Match.arrayWith([
            Match.objectLike({
              IndexName: index.name,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' },
                { AttributeName: index.sortKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: index.projection === 'keys' ? 'KEYS_ONLY' : 'ALL' },
            }),
          ]),
        });
      }
    });

    it('deploys one arm64 nodejs22.x Lambda per declared function, with its settings and variables', () => {
      expect(resources(application, 'AWS::Lambda::Function')).toHaveLength(specs.length);
      for (const [name, spec] of specs) {
        const variables = Object.fromEntries(
          spec.grants.flatMap((grant) => variablesOf[grant]).map((variable) => [variable, Match.anyValue()]),
        );
        const [fn] = resources(application, 'AWS::Lambda::Function', {
          Description: spec.description,
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          MemorySize: spec.memoryMb ?? 512,
          Timeout: spec.timeoutSeconds ?? 10,
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: Match.anyValue() },
          Environment: {
            Variables: Match.objectEquals({
              [ENV.businessTimeZone]: settings.businessTimeZone,
              NODE_OPTIONS: '--enable-source-maps',
              ...variables,
            }),
          },
        });
        expect(fn, `function ${name}`).toBeDefined();
      }
      application.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });

    it('routes every declared route to its function, with the JWT authorizer unless public', () => {
      expect(resources(application, 'AWS::ApiGatewayV2::Route')).toHaveLength(routes.length);
      for (const route of routes) {
        const routeKey = `${route.method} ${route.path}`;
        application.hasResourceProperties(
          'AWS::ApiGatewayV2::Route',
          route.roles === 'public'
            ? { RouteKey: routeKey, AuthorizationType: 'NONE', AuthorizerId: Match.absent() }
            : { RouteKey: routeKey, AuthorizationType: 'JWT', AuthorizerId: Match.anyValue() },
        );
      }
      application.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        JwtConfiguration: {
          Audience: [Match.anyValue(), Match.anyValue()],
          Issuer: Match.objectLike({
            'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('cognito-idp')])]),
          }),
        },
      });
      for (const integration of resources(application, 'AWS::ApiGatewayV2::Integration')) {
        expect(integration.Properties).toMatchObject({
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
        });
      }
    });

    it('throttles the stage and writes access logs without personal data', () => {
      const stages = resources(application, 'AWS::ApiGatewayV2::Stage');
      expect(stages).toHaveLength(1);
      const stage = stages[0] as Resource;
      expect(stage.Properties).toMatchObject({
        StageName: '$default',
        DefaultRouteSettings: {
          ThrottlingRateLimit: API_THROTTLE.rateLimit,
          ThrottlingBurstLimit: API_THROTTLE.burstLimit,
        },
      });
      const format = (stage.Properties.AccessLogSettings as { Format: string }).Format;
      expect(JSON.parse(format)).toEqual(ACCESS_LOG_FORMAT);
      for (const personal of [
        'sourceIp',
        'userAgent',
        '$context.path',
        'queryString',
        'claims',
        'principalId',
      ]) {
        expect(format).not.toContain(personal);
      }
      for (const field of ['$context.requestId', '$context.routeKey', '$context.status']) {
        expect(format).toContain(field);
      }
    });

    it('creates every declared schedule in its time zone, with retries and a dead-letter queue', () => {
      expect(resources(application, 'AWS::Scheduler::Schedule')).toHaveLength(schedules.length);
      for (const schedule of schedules) {
        application.hasResourceProperties('AWS::Scheduler::Schedule', {
          ScheduleExpression: schedule.cron.startsWith('cron(') ? schedule.cron : `cron(${schedule.cron})`,
          ScheduleExpressionTimezone: schedule.timeZone === 'business' ? settings.businessTimeZone : 'UTC',
          Description: Match.stringLikeRegexp(
            schedule.description.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          ),
          Target: Match.objectLike({
            Input: JSON.stringify({ job: schedule.job, scheduledTime: '<aws.scheduler.scheduled-time>' }),
            RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
            DeadLetterConfig: { Arn: Match.anyValue() },
          }),
        });
      }
    });

    it('creates every declared event rule, each target with retries and a dead-letter queue', () => {
      const created = resources(application, 'AWS::Events::Rule');
      expect(created).toHaveLength(rules.length);
      for (const rule of rules) {
        application.hasResourceProperties('AWS::Events::Rule', {
          EventBusName: rule.bus === 'default' ? 'default' : Match.objectLike({ Ref: Match.anyValue() }),
          EventPattern: {
            source: [...(rule.source ?? [EVENT_SOURCE])],
            'detail-type': [...rule.detailType],
            ...(rule.detail ? { detail: rule.detail } : {}),
          },
        });
      }
      for (const rule of created) {
        for (const target of rule.Properties.Targets as Array<Record<string, unknown>>) {
          expect(target).toMatchObject({
            RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
            DeadLetterConfig: { Arn: expect.anything() },
          });
        }
      }
    });

    it('alarms on errors of every function and on every dead-letter queue, into an encrypted topic', () => {
      const [topicId] = Object.keys(application.findResources('AWS::SNS::Topic'));
      application.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      const alarmAction = { AlarmActions: [{ Ref: topicId }] };
      for (const [name] of specs) {
        application.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(deployment, name) } }],
          ...alarmAction,
        });
      }
      const queues = Object.keys(application.findResources('AWS::SQS::Queue'));
      expect(queues).toHaveLength(rules.length + schedules.length);
      for (const queue of queues) {
        application.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
        application.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          ...alarmAction,
        });
      }
    });

    it('keeps exports private, encrypted, TLS-only and for 30 days', () => {
      data.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: Match.anyValue(),
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
            }),
          ],
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ ExpirationInDays: 30 }),
            // The nightly run's snapshot of the profiles it read: gone within a day even if a run is abandoned.
            Match.objectLike({ ExpirationInDays: 1, Prefix: 'analytics-snapshots/' }),
          ]),
        },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: Match.anyValue() },
      });
      data.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('sets up Cognito: role groups, the ingest scope, a people client and a machine client', () => {
      for (const group of ['admin', 'marketer', 'support']) {
        data.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: group });
      }
      data.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
        Identifier: 'retain',
        Scopes: [Match.objectLike({ ScopeName: 'ingest' })],
      });
      data.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: false,
        ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH']),
      });
      data.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthScopes: [{ 'Fn::Join': ['', [Match.anyValue(), '/ingest']] }],
      });
      data.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
      data.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    });

    it('publishes bounces and complaints to the default bus, and deploys the email templates', () => {
      application.hasResourceProperties('AWS::SES::ConfigurationSet', {
        Name: `retain-${settings.stage}`,
        ReputationOptions: { ReputationMetricsEnabled: true },
      });
      application.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
        EventDestination: {
          Enabled: true,
          EventBridgeDestination: { EventBusArn: Match.anyValue() },
          MatchingEventTypes: ['send', 'bounce', 'complaint'],
        },
      });
      application.resourceCountIs('AWS::SES::Template', templates.length);
      for (const template of templates) {
        application.hasResourceProperties('AWS::SES::Template', {
          Template: { TemplateName: template.name, SubjectPart: template.subject },
        });
      }
      application.hasResourceProperties('AWS::Events::EventBus', { Name: `retain-${settings.stage}` });
    });

    it('outputs what clients and operators need', () => {
      for (const output of ['ApiUrl', 'EventBusName']) application.hasOutput(output, {});
      for (const output of [
        'TableName',
        'ExportsBucketName',
        'UserPoolId',
        'PeopleClientId',
        'MachineClientId',
      ]) {
        data.hasOutput(output, {});
      }
    });
  });
}

describeDeployment('the deployment of shared/app.ts', () => deploy());

/** A declaration using every kind of entry the real one may grow into. */
const everything: Record<string, FunctionSpec> = {
  api: {
    entry: 'functions/api-not-written-yet.ts',
    description: 'Public and protected routes',
    grants: ['table:read'],
    routes: [
      { method: 'GET', path: '/unsubscribe/{token}', roles: 'public', summary: 'Unsubscribe' },
      { method: 'POST', path: '/orders', roles: ['admin', 'ingest'], summary: 'Record an order' },
    ],
  },
  nightly: {
    entry: 'functions/nightly-not-written-yet.ts',
    description: 'Every grant, schedules in both zones, rules on both buses',
    grants: [
      'table:read',
      'table:write',
      'bus:put',
      'email:send',
      'email:account',
      'bucket:read',
      'bucket:write',
      'bucket:delete',
      'secret:unsubscribe',
    ],
    memoryMb: 1024,
    timeoutSeconds: 300,
    schedules: [
      { job: 'analytics', cron: 'cron(0 2 * * ? *)', timeZone: 'business', description: 'Nightly at 02:00' },
      { job: 'birthdays', cron: '0 * * * ? *', timeZone: 'UTC', description: 'Hourly, on the hour' },
    ],
    events: [
      { name: 'shard-completed', detailType: ['analytics.shard.completed'] },
      {
        name: 'win-back',
        detailType: ['customer.lifecycle.changed'],
        detail: { to: ['at_risk', 'churned'] },
      },
      {
        name: 'ses-feedback',
        bus: 'default',
        source: ['aws.ses'],
        detailType: ['Email Bounced', 'Email Complained'],
      },
    ],
  },
};

describeDeployment('a declaration using every kind of entry', () => deploy(everything));

describe('schedule descriptions', () => {
  it.each([
    ['cron(0 2 * * ? *)', 'every day at 02:00 Europe/Berlin'],
    ['30 7 * * ? *', 'every day at 07:30 Europe/Berlin'],
    ['cron(0 * * * ? *)', 'every hour at minute 0 (Europe/Berlin)'],
    ['cron(0 9 ? * MON *)', 'every Monday at 09:00 Europe/Berlin'],
    ['cron(15 3 1 * ? *)', 'on day 1 of every month at 03:15 Europe/Berlin'],
    ['cron(0 9-17 ? * MON-FRI *)', 'on cron(0 9-17 ? * MON-FRI *) in Europe/Berlin'],
  ])('say when %s fires: %s', (expression, words) => {
    expect(describeCron(expression, 'Europe/Berlin')).toBe(words);
  });
});

describe('grants', () => {
  const { application } = deploy(everything);
  const statements = resources(application, 'AWS::IAM::Policy').flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
  );

  it('lets email:send use SESv2 SendEmail on the identity, the configuration set and the templates only', () => {
    const send = statements.find((statement) => JSON.stringify(statement.Action).includes('ses:SendEmail'));
    const resourcesText = JSON.stringify(send?.Resource);
    expect(resourcesText).toContain(':identity/shop.example');
    expect(resourcesText).toContain(':identity/no-reply@shop.example');
    expect(resourcesText).toContain(':configuration-set/",{"Ref":');
    expect(resourcesText).toContain(':template/birthday');
    expect(resourcesText).not.toContain('"*"');
  });

  it('passes the unsubscribe secret as a CloudFormation dynamic reference, never as a literal', () => {
    application.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.unsubscribeSecret]: '{{resolve:secretsmanager:retain/test/unsubscribe:SecretString:::}}',
          [ENV.publicBaseUrl]: { 'Fn::GetAtt': [Match.anyValue(), 'ApiEndpoint'] },
        }),
      },
    });
  });

  it('grants ses:GetAccount alone on "*", in a policy of its own', () => {
    const account = statements.filter((statement) =>
      JSON.stringify(statement.Action).includes('ses:GetAccount'),
    );
    expect(account).toEqual([{ Action: 'ses:GetAccount', Effect: 'Allow', Resource: '*' }]);
  });

  it('gives no function an AWS managed policy', () => {
    for (const role of resources(application, 'AWS::IAM::Role')) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('CORS for browser clients', () => {
  it('allows no cross-origin browser calls unless the business lists origins', () => {
    deploy(everything).application.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.absent(),
    });
  });

  it('answers preflights for the listed origins with the headers and methods the API uses', () => {
    const { application } = deploy(everything, {
      businessSettings: JSON.stringify({
        cors: { allowedOrigins: ['https://shop.example', 'http://localhost:5173'] },
      }),
    });
    application.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://shop.example', 'http://localhost:5173'],
        AllowHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match'],
        ExposeHeaders: ['etag', 'location', 'retry-after'],
        // The methods of the routes `everything` declares.
        AllowMethods: ['GET', 'POST'],
        MaxAge: 600,
        AllowCredentials: Match.absent(),
      },
    });
  });

  it('refuses to synthesise an origin with a path or a wildcard, naming the field', () => {
    for (const origin of ['https://shop.example/', '*', 'https://*.shop.example']) {
      expect(() =>
        deploy(everything, { businessSettings: JSON.stringify({ cors: { allowedOrigins: [origin] } }) }),
      ).toThrow(/cors\.allowedOrigins\.0/);
    }
  });
});
