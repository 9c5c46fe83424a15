// Helpers for acknowledging cdk-nag findings precisely: a wildcard finding is acknowledged by its
// exact id, never by rule, so a new wildcard elsewhere still fails the synth.
import { Stack, Validations } from 'aws-cdk-lib';
// cdk-nag's own formatting of references in finding ids (`<Logical.Arn>`, `<AWS::Region>`).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** A (possibly tokenised) ARN as cdk-nag prints it inside `AwsSolutions-IAM5[Resource::…]`. */
export function findingArn(scope: IConstruct, arn: string): string {
  return flattenCfnReference(Stack.of(scope).resolve(arn));
}

/** Acknowledges `AwsSolutions-IAM5[<finding>]` for each finding, all with the same reason. */
export function acknowledgeWildcards(scope: IConstruct, findings: readonly string[], reason: string): void {
  for (const finding of findings)
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
}
