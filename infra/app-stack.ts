// The stateless half: functions and everything that invokes them (HTTP API, schedules, event
// rules), the bus, SES sending configuration, dead-letter queues and alarms. Safe to destroy and
// redeploy. All of it is derived from the declaration in shared/app.ts: a new function, route,
// schedule or rule there is deployed without a change here.
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  TimeZone,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  EVENT_SOURCE,
  type EventRuleSpec,
  type FunctionSpec,
  functions,
  type HttpRoute,
  type ScheduleSpec,
  table,
} from '../shared/app.js';
import { Email } from './email.js';
import type { EmailTemplate } from './email-templates.js';
import { applyGrants, baseEnvironment, type GrantTargets } from './function-environment.js';
import { acknowledgeWildcards, findingArn } from './nag.js';
import { RetainFunction } from './retain-function.js';
import { type RetainSettings, resourceNames } from './settings.js';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, corsMethods, corsSettingsFrom } from '../shared/cors.js';

/** What the application stack needs from the data stack (the rest it finds by name). */
export interface DataResources {
  readonly key: kms.IKey;
  readonly userPool: cognito.IUserPool;
  readonly peopleClient: cognito.IUserPoolClient;
  readonly machineClient: cognito.IUserPoolClient;
}

export interface AppStackProps extends StackProps {
  readonly settings: RetainSettings;
  readonly data: DataResources;
  readonly emailTemplates: readonly EmailTemplate[];
  /** The functions to deploy: the declaration in shared/app.ts unless a test brings its own. */
  readonly functions?: Readonly<Record<string, FunctionSpec>>;
}

/** EventBridge delivery to a target: retried with back-off for up to two hours, then the DLQ. */
export const TARGET_RETRY_ATTEMPTS = 4;
export const TARGET_MAX_EVENT_AGE = Duration.hours(2);

/** API Gateway stage limits (requests per second, burst): the bill's and the table's safety net. */
export const API_THROTTLE = { rateLimit: 200, burstLimit: 400 } as const;

/**
 * Access log line: enough to follow a request and see failures, nothing about the person (no
 * source IP, no user agent, no path with ids or query string: the route key is the template).
 */
export const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  error: '$context.error.message',
} as const;

/** `customers` → `Customers`, `shard-worker` → `ShardWorker`: readable construct ids. */
function pascal(name: string): string {
  return name.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_match, _sep, char: string) => char.toUpperCase());
}

/** Scheduler wants `cron(…)`; the declaration may hold the bare six fields. */
export function cronExpression(cron: string): string {
  const trimmed = cron.trim();
  return /^cron\(.+\)$/.test(trimmed) ? trimmed : `cron(${trimmed})`;
}

const DAYS: Record<string, string> = {
  SUN: 'Sunday',
  MON: 'Monday',
  TUE: 'Tuesday',
  WED: 'Wednesday',
  THU: 'Thursday',
  FRI: 'Friday',
  SAT: 'Saturday',
};

/**
 * When a schedule fires, in words, for the common shapes (`every day at 02:00 Europe/Berlin`);
 * any other expression is quoted as is. Goes into the schedule's description.
 */
export function describeCron(expression: string, timeZone: string): string {
  const fields = /^cron\((.+)\)$/.exec(cronExpression(expression))?.[1]?.trim().split(/\s+/) ?? [];
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields;
  const number = /^\d{1,2}$/;
  const everyMonthAndYear = month === '*' && (year === '*' || year === undefined);
  if (fields.length === 6 && minute && number.test(minute) && everyMonthAndYear) {
    const at =
      hour && number.test(hour) ? `at ${hour.padStart(2, '0')}:${minute.padStart(2, '0')}` : undefined;
    if (at && (dayOfMonth === '*' || dayOfMonth === '?') && (dayOfWeek === '*' || dayOfWeek === '?')) {
      return `every day ${at} ${timeZone}`;
    }
    if (
      hour === '*' &&
      (dayOfMonth === '*' || dayOfMonth === '?') &&
      (dayOfWeek === '*' || dayOfWeek === '?')
    ) {
      return `every hour at minute ${Number(minute)} (${timeZone})`;
    }
    if (at && dayOfMonth === '?' && dayOfWeek && DAYS[dayOfWeek]) {
      return `every ${DAYS[dayOfWeek]} ${at} ${timeZone}`;
    }
    if (at && dayOfMonth && number.test(dayOfMonth) && dayOfWeek === '?') {
      return `on day ${Number(dayOfMonth)} of every month ${at} ${timeZone}`;
    }
  }
  return `on ${cronExpression(expression)} in ${timeZone}`;
}

export class AppStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly eventBus: events.EventBus;
  readonly alarmTopic: sns.Topic;
  readonly functions = new Map<string, RetainFunction>();
  private readonly settings: RetainSettings;
  private readonly authorizer: HttpUserPoolAuthorizer;
  private readonly defaultBus: events.IEventBus;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    // Strong references (CloudFormation exports): the data stack cannot drop the user pool, its
    // clients or the key while this stack still uses them.
    this.node.setContext('@aws-cdk/core:defaultCrossStackReferences', 'strong');
    this.settings = props.settings;
    const names = resourceNames(props.settings.stage);

    // The data stack's resources, by name (see settings.ts for why).
    const dataTable = dynamodb.TableV2.fromTableAttributes(this, 'Table', {
      tableName: names.table,
      encryptionKey: props.data.key,
      globalIndexes: table.indexes.map((index) => index.name),
    });
    const exportsBucket = s3.Bucket.fromBucketAttributes(this, 'ExportsBucket', {
      bucketName: names.exportsBucket,
      encryptionKey: props.data.key,
    });

    this.eventBus = new events.EventBus(this, 'Bus', { eventBusName: names.eventBus });
    this.defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    const email = new Email(this, 'Email', {
      configurationSetName: names.configurationSet,
      defaultBus: this.defaultBus,
      templates: props.emailTemplates,
    });

    this.alarmTopic = this.createAlarmTopic(props.settings.alarmEmail);
    const deployed = props.functions ?? (functions as Record<string, FunctionSpec>);
    this.api = this.createApi(
      props.settings.stage,
      corsMethods(Object.values(deployed).flatMap((spec) => spec.routes ?? [])),
    );
    this.authorizer = new HttpUserPoolAuthorizer('Cognito', props.data.userPool, {
      authorizerName: 'cognito',
      userPoolClients: [props.data.peopleClient, props.data.machineClient],
    });

    const targets: GrantTargets = {
      table: dataTable,
      eventBus: this.eventBus,
      bucket: exportsBucket,
      email: {
        from: props.settings.emailFrom,
        configurationSetName: email.configurationSet.configurationSetName,
        templateNames: email.templateNames,
      },
      unsubscribeSecretName: names.unsubscribeSecret,
      publicBaseUrl: this.api.apiEndpoint,
    };

    // One container, so no function name can collide with the stack's own construct ids.
    const container = new Construct(this, 'Functions');
    for (const [name, spec] of Object.entries(deployed)) this.addFunction(container, name, spec, targets);

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'ConfigurationSetName', { value: email.configurationSet.configurationSetName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }

  /** One declared function with its routes, rules, schedules, dead-letter queues and alarms. */
  private addFunction(container: Construct, name: string, spec: FunctionSpec, targets: GrantTargets): void {
    const scope = new Construct(container, pascal(name));
    const fn = new RetainFunction(scope, 'Function', {
      name,
      spec,
      environment: baseEnvironment(this.settings),
    });
    applyGrants(fn, spec.grants, targets);
    this.functions.set(name, fn);

    this.alarm(scope, 'ErrorsAlarm', {
      metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      alarmDescription: `Retain ${name}: the function failed at least once in 5 minutes`,
    });

    if (spec.routes?.length) {
      const integration = new HttpLambdaIntegration(`${pascal(name)}Integration`, fn.function, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      });
      for (const route of spec.routes) this.addRoute(route, integration);
    }
    for (const rule of spec.events ?? []) this.addRule(scope, name, fn, rule);
    if (spec.schedules?.length) {
      const role = this.schedulerRole(scope, fn);
      for (const schedule of spec.schedules) this.addSchedule(scope, fn, role, schedule);
    }
  }

  /** The role EventBridge Scheduler assumes to invoke one function (and send to its DLQs). */
  private schedulerRole(scope: Construct, fn: RetainFunction): iam.Role {
    const role = new iam.Role(scope, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `EventBridge Scheduler invoking ${fn.function.node.path}`,
    });
    fn.function.grantInvoke(role);
    acknowledgeWildcards(
      role.node.findChild('DefaultPolicy'),
      [`Resource::${findingArn(this, fn.function.functionArn)}:*`],
      "grantInvoke covers the function's versions and aliases (`<arn>:*`) of this one function only.",
    );
    return role;
  }

  private addRoute(route: HttpRoute, integration: HttpLambdaIntegration): void {
    const isPublic = route.roles === 'public';
    const [created] = this.api.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration,
      // Roles are checked again in the handler from the same declaration; the authorizer only
      // guarantees a valid token from this user pool and one of its clients.
      authorizer: isPublic ? new apigw.HttpNoneAuthorizer() : this.authorizer,
    });
    if (isPublic && created) {
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${route.method} ${route.path} is declared public in shared/app.ts (${route.summary}): no token by design.`,
      });
    }
  }

  private addRule(scope: Construct, functionName: string, fn: RetainFunction, rule: EventRuleSpec): void {
    const id = `Rule${pascal(rule.name)}`;
    const deadLetters = this.deadLetterQueue(scope, `${id}DeadLetters`, `event rule ${rule.name}`);
    const detail = rule.detail
      ? Object.fromEntries(Object.entries(rule.detail).map(([key, values]) => [key, [...values]]))
      : undefined;
    new events.Rule(scope, id, {
      eventBus: rule.bus === 'default' ? this.defaultBus : this.eventBus,
      description: `${rule.name}: ${rule.detailType.join(', ')} -> ${functionName}`.slice(0, 512),
      eventPattern: {
        source: [...(rule.source ?? [EVENT_SOURCE])],
        detailType: [...rule.detailType],
        ...(detail ? { detail } : {}),
      },
      targets: [
        new eventTargets.LambdaFunction(fn.function, {
          retryAttempts: TARGET_RETRY_ATTEMPTS,
          maxEventAge: TARGET_MAX_EVENT_AGE,
          deadLetterQueue: deadLetters,
        }),
      ],
    });
  }

  private addSchedule(scope: Construct, fn: RetainFunction, role: iam.IRole, spec: ScheduleSpec): void {
    const timeZone = spec.timeZone === 'business' ? this.settings.businessTimeZone : 'UTC';
    const expression = cronExpression(spec.cron);
    const id = `Schedule${pascal(spec.job)}`;
    const deadLetters = this.deadLetterQueue(scope, `${id}DeadLetters`, `schedule ${spec.job}`);
    new scheduler.Schedule(scope, id, {
      // Each schedule says what it is for (the declaration's description) and when it fires, in
      // words and in the zone it is evaluated in, e.g. "RFM segments, tiers, lifecycle stages, churn
      // and CLV for every customer. Fires every day at 02:00 Europe/Berlin (cron(0 2 * * ? *))."
      description:
        `${spec.description.replace(/\.\s*$/, '')}. Fires ${describeCron(expression, timeZone)} (${expression}).`.slice(
          0,
          512,
        ),
      schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.of(timeZone)),
      target: new schedulerTargets.LambdaInvoke(fn.function, {
        role,
        // scheduledTime: a retried run still stands for the time it was due, not the time it started.
        input: scheduler.ScheduleTargetInput.fromObject({
          job: spec.job,
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: TARGET_RETRY_ATTEMPTS,
        maxEventAge: TARGET_MAX_EVENT_AGE,
        deadLetterQueue: deadLetters,
      }),
    });
  }

  /** A dead-letter queue for one EventBridge target, alarmed as soon as anything lands in it. */
  private deadLetterQueue(scope: Construct, id: string, purpose: string): sqs.Queue {
    const queue = new sqs.Queue(scope, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself the dead-letter queue of the ${purpose}; it is alarmed, not redriven.`,
    });
    this.alarm(scope, `${id}Alarm`, {
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `Retain: events of the ${purpose} were given up on and wait in ${id}`,
    });
    return queue;
  }

  private alarm(
    scope: Construct,
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods' | 'treatMissingData'>,
  ): void {
    const alarm = new cloudwatch.Alarm(scope, id, {
      ...props,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
  }

  private createAlarmTopic(alarmEmail: string | undefined): sns.Topic {
    // A key of its own: CloudWatch must be allowed to use it to publish to the encrypted topic,
    // which the AWS managed SNS key does not allow.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Retain: alarm notifications',
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      masterKey: key,
      enforceSSL: true,
      displayName: 'Retain alarms',
    });
    if (alarmEmail) topic.addSubscription(new EmailSubscription(alarmEmail));
    return topic;
  }

  private createApi(stage: string, methods: readonly string[]): apigw.HttpApi {
    // Browser origins allowed by the business (`cors` in the settings); none: same-origin only.
    const cors = corsSettingsFrom(this.settings.businessSettings);
    const api = new apigw.HttpApi(this, 'Api', {
      apiName: `retain-${stage}`,
      description: 'Retain HTTP API (routes from shared/app.ts)',
      createDefaultStage: false,
      ...(cors.allowedOrigins.length
        ? {
            corsPreflight: {
              allowOrigins: [...cors.allowedOrigins],
              allowHeaders: [...CORS_ALLOW_HEADERS],
              exposeHeaders: [...CORS_EXPOSE_HEADERS],
              allowMethods: methods.map(
                (method) => apigw.CorsHttpMethod[method as keyof typeof apigw.CorsHttpMethod],
              ),
              maxAge: Duration.seconds(cors.maxAgeSeconds),
            },
          }
        : {}),
    });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new apigw.HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
      },
    });
    return api;
  }
}
