// Entry of a worker thread. Workers do not inherit a tsx loader that bin/herd.js registered through
// its API, so this plain module registers tsx before it loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
