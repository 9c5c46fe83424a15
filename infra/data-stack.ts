// The stateful half: everything that holds data a redeploy must not lose. Retained on deletion,
// deployed first, and changed rarely. Resources have fixed physical names (settings.ts) so the
// application stack finds them by name.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { table } from '../shared/app.js';
import { ROLES, SCOPE_PREFIX } from '../shared/auth/roles.js';
import { SNAPSHOT_PREFIX } from '../shared/store/bucket-prefixes.js';
import { type RetainSettings, resourceNames } from './settings.js';

export interface DataStackProps extends StackProps {
  readonly settings: RetainSettings;
}

interface IndexSpec {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly projection: 'all' | 'keys';
}

/** The scope machine clients get: `retain/ingest` → resource server `retain`, scope `ingest`. */
const RESOURCE_SERVER_ID = SCOPE_PREFIX.replace(/\/$/, '');
const INGEST_SCOPE = 'ingest';
/** People roles are Cognito groups; `ingest` is a scope, not a group. */
const GROUPS = ROLES.filter((role) => role !== INGEST_SCOPE);

export class DataStack extends Stack {
  readonly key: kms.Key;
  readonly table: dynamodb.TableV2;
  readonly exportsBucket: s3.Bucket;
  readonly userPool: cognito.UserPool;
  readonly peopleClient: cognito.UserPoolClient;
  readonly machineClient: cognito.UserPoolClient;
  readonly unsubscribeSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    // S3 server access logs delivered under a bucket policy (not the legacy log-delivery ACL).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const names = resourceNames(props.settings.stage);

    this.key = new kms.Key(this, 'DataKey', {
      description: `Retain ${props.settings.stage}: customer data at rest (table, exports)`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const indexes: readonly IndexSpec[] = table.indexes;
    const attribute = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: names.table,
      partitionKey: attribute(table.partitionKey),
      sortKey: attribute(table.sortKey),
      timeToLiveAttribute: table.timeToLiveAttribute,
      globalSecondaryIndexes: indexes.map((index) => ({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
        projectionType:
          index.projection === 'keys' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
      })),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.key),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED, // log delivery writes SSE-S3 only
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.exportsBucket = new s3.Bucket(this, 'Exports', {
      bucketName: names.exportsBucket,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      lifecycleRules: [
        { expiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // What a nightly run keeps between its phases; the run deletes it, this catches an abandoned attempt.
        { prefix: SNAPSHOT_PREFIX, expiration: Duration.days(1) },
      ],
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'exports/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.unsubscribeSecret = new secretsmanager.Secret(this, 'UnsubscribeSecret', {
      secretName: names.unsubscribeSecret,
      description: 'Signing key of unsubscribe links (HMAC)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.unsubscribeSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Signing key of unsubscribe links already sent in emails: rotating it would break every one of them, so it is rotated by hand with a deliberate change.',
    });

    // Users are state: people accounts and the machine client credentials handed to integrators.
    this.userPool = new cognito.UserPool(this, 'Users', {
      userPoolName: `retain-${props.settings.stage}`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const group of GROUPS) {
      new cognito.CfnUserPoolGroup(this, `Group-${group}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        description: `Retain role ${group}`,
      });
    }

    const ingest = new cognito.ResourceServerScope({
      scopeName: INGEST_SCOPE,
      scopeDescription: 'Create and update customers and orders',
    });
    const resourceServer = this.userPool.addResourceServer('Api', {
      identifier: RESOURCE_SERVER_ID,
      userPoolResourceServerName: 'Retain API',
      scopes: [ingest],
    });
    const domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.settings.authDomainPrefix },
    });

    this.peopleClient = this.userPool.addClient('PeopleClient', {
      userPoolClientName: 'people',
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    this.machineClient = this.userPool.addClient('MachineClient', {
      userPoolClientName: 'ingest',
      generateSecret: true,
      oAuth: {
        flows: { clientCredentials: true },
        scopes: [cognito.OAuthScope.resourceServer(resourceServer, ingest)],
      },
      enableTokenRevocation: true,
    });

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'ExportsBucketName', { value: this.exportsBucket.bucketName });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'PeopleClientId', { value: this.peopleClient.userPoolClientId });
    new CfnOutput(this, 'MachineClientId', { value: this.machineClient.userPoolClientId });
    new CfnOutput(this, 'TokenEndpoint', { value: `${domain.baseUrl()}/oauth2/token` });
  }
}
