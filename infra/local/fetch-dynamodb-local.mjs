// Puts DynamoDB Local (the AWS emulator, a Java jar) under .local/dynamodb-local, through the npm
// registry: the jar ships inside amplify-dynamodb-simulator, whose own dependencies we don't need,
// so we `npm pack` the package and keep only its emulator folder. Idempotent; runs on postinstall
// and again before `npm start` / `npm test` in case the folder was removed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dynamoDbLocalDir = join(root, '.local', 'dynamodb-local');

export function ensureDynamoDbLocal() {
  if (existsSync(join(dynamoDbLocalDir, 'DynamoDBLocal.jar'))) return dynamoDbLocalDir;
  const work = mkdtempSync(join(tmpdir(), 'retain-ddb-'));
  try {
    const tarball = execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', work], {
      cwd: work,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop();
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, 'package/emulator']);
    mkdirSync(dirname(dynamoDbLocalDir), { recursive: true });
    rmSync(dynamoDbLocalDir, { recursive: true, force: true });
    renameSync(join(work, 'package', 'emulator'), dynamoDbLocalDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dynamoDbLocalDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`DynamoDB Local ready in ${ensureDynamoDbLocal()}`);
}
