// S3, one client per process. Path-style addressing is a configuration choice (s3rver needs it).
import { S3Client } from '@aws-sdk/client-s3';
import { config } from '../config.js';

let client: S3Client | undefined;

export function s3(): S3Client {
  client ??= new S3Client({ forcePathStyle: config().s3ForcePathStyle });
  return client;
}
