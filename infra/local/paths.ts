import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root and the ignored folder where the local stack keeps its data and keys. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const localDir = resolve(projectRoot, '.local');
/** Written by `npm start`: where the running stack listens (read by the job and import CLIs). */
export const runtimeFile = resolve(localDir, 'runtime.json');
