// Worker thread: unpacks the layers the main thread hands it, one at a time.
import { parentPort } from 'node:worker_threads';
import { BerthError } from '../errors.js';
import { unpackLayer, type UnpackJob } from './layer-fetch.js';

const port = parentPort!;
port.on('message', (job: UnpackJob) => {
  let pending = 0;
  let last = Date.now();
  unpackLayer(job, (n) => {
    pending += n;
    const now = Date.now();
    if (now - last > 50) {
      port.postMessage({ type: 'bytes', n: pending });
      pending = 0;
      last = now;
    }
  }).then(
    ({ size }) => {
      if (pending) port.postMessage({ type: 'bytes', n: pending });
      port.postMessage({ type: 'done', size });
    },
    (e: unknown) => port.postMessage({ type: 'error', kind: e instanceof BerthError ? e.kind : null, message: (e as Error)?.message ?? String(e) }),
  );
});
