// `npm start`: the whole of Retain on this machine. Data is kept under .local/ across restarts.
import { rmSync, writeFileSync } from 'node:fs';
import { allJobs } from '../../shared/app.js';
import { startLocalStack } from './local-stack.js';
import { runtimeFile } from './paths.js';

const started = Date.now();
const port = Number(process.env.PORT ?? 3000);
const stack = await startLocalStack({ apiPort: port, persist: true, scheduler: true }).catch(
  (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' || (error as { port?: number }).port !== port) throw error;
    console.error(
      `Port ${port} is in use (another npm start?). Stop it, or choose a port: PORT=3001 npm start`,
    );
    process.exit(1);
  },
);

writeFileSync(runtimeFile, JSON.stringify({ ...stack.urls, env: stack.env }, null, 2));

const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`
Retain is running (ready in ${seconds} s)

  API            ${stack.urls.api}            (GET /health, GET /openapi.json)
  SES inbox      ${stack.urls.ses}
  S3             ${stack.urls.s3}            (bucket ${stack.env.BUCKET_NAME})
  DynamoDB Local ${stack.urls.dynamodb}            (table ${stack.env.TABLE_NAME})
  EventBridge    ${stack.urls.bus}            (bus ${stack.env.EVENT_BUS_NAME})
  Jobs           ${
    allJobs()
      .map((job) => job.job)
      .join(', ') || 'none yet'
  }  (npm run job -- <name> [--as-of YYYY-MM-DD])

  Get a token:   npm run token -- --role admin
  Data folder:   .local/  (delete it to start afresh)
  Stop:          Ctrl-C
`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  console.log('Stopping…');
  await stack.stop();
  rmSync(runtimeFile, { force: true });
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
