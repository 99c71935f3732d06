// port-throughput: not a time but a rate. Bulk TCP from the host into a container through a
// published port on 127.0.0.1, in MB/s (10^6 bytes per second); higher is better. docker
// forwards host loopback traffic through its userland proxy (docker-proxy); berth and podman
// use netavark's DNAT rules.
//
// Set-up, untimed: the small image is pulled and one container started on the engine's
// default bridge network, `run -d -p 127.0.0.1:PORT:5001 IMAGE nc -ll -p 5001 -e sh -c SINK`:
// busybox nc accepts connection after connection and hands each to `dd of=/dev/null
// bs=1048576 iflag=fullblock 2>&1`, which reads the stream to its end, throws it away and
// then writes its record counts back on the connection. The harness waits until an empty
// connection gets "0+0 records in" back (the path works end to end).
// Each run: the harness (Node's net module) connects, sends 2 GiB as fast as the
// connection takes it, half-closes, and waits for dd's reply and the close. The clock runs
// from the connection being established to that close, so it includes the container
// reading the last byte. The reply must say "2048+0 records in": exactly 2048 full MiB read
// (a short stream ends in a partial record, "2047+1"), or the run fails.
// Tear-down removes the container.
import { connect } from 'node:net';
import { containerFlags, prepareContainerImage, printedId } from '../containers.js';
import { exec, removeBenchContainers, type Engine } from '../engines.js';
import { freePort, run as runCmd, sleep } from '../util.js';
import type { Scenario, Subject } from './types.js';

/** MiB sent per run. */
const SIZE_MIB = 2048;
const CHUNK = Buffer.alloc(1 << 20, 0x5a);
const CONTAINER_PORT = 5001;
const SINK = 'dd of=/dev/null bs=1048576 iflag=fullblock 2>&1';
/** How long the listener may take to answer after `run -d`. */
const READY_TIMEOUT_MS = 30_000;
const TRANSFER_TIMEOUT_MS = 5 * 60_000;

interface Transfer {
  /** From the connection being established to the server closing its side. */
  seconds: number;
  /** What the server wrote back (dd's record counts). */
  reply: string;
}

/** Sends `mib` MiB to 127.0.0.1:port, half-closes, and collects the reply until the server closes. */
function transfer(port: number, mib: number, timeoutMs: number): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const reply: Buffer[] = [];
    let start: bigint | null = null;
    let sent = 0;
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      const end = process.hrtime.bigint();
      clearTimeout(timer);
      sock.destroy();
      if (error) reject(error);
      else if (start === null) reject(new Error('the connection closed before it was established'));
      else resolve({ seconds: Number(end - start) / 1e9, reply: Buffer.concat(reply).toString('utf8') });
    };
    const timer = setTimeout(
      () => finish(new Error(`no close from the server within ${timeoutMs / 1000} s (${sent} of ${mib} MiB handed to the socket)`)),
      timeoutMs,
    );
    const pump = (): void => {
      while (sent < mib) {
        sent++;
        if (!sock.write(CHUNK)) {
          sock.once('drain', pump);
          return;
        }
      }
      sock.end();
    };
    sock.on('connect', () => {
      start = process.hrtime.bigint();
      pump();
    });
    sock.on('data', (d: Buffer) => reply.push(d));
    sock.on('end', () => finish());
    sock.on('error', (e) => finish(e));
  });
}

/** dd's "N+M records in" must show exactly `mib` full records and no partial one. */
function checkReply(reply: string, mib: number): void {
  const first = reply.split('\n')[0].trim();
  if (first !== `${mib}+0 records in`)
    throw new Error(`the container read something other than ${mib} MiB: it answered ${JSON.stringify(reply.trim().slice(0, 200))}`);
}

/** Waits until an empty connection through the published port gets dd's "0+0 records in". */
async function waitReady(engine: Engine, id: string, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const t = await transfer(port, 0, 5000);
      checkReply(t.reply, 0);
      return;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(100);
  }
  const logs = await runCmd(engine.argv(['logs', id]), { timeoutMs: 30_000 });
  const tail = `${logs.stdout}${logs.stderr}`.trim().split('\n').slice(-3).join(' | ');
  throw new Error(
    `127.0.0.1:${port} did not reach the container's listener within ${READY_TIMEOUT_MS / 1000} s (last: ${last})` +
      (tail ? `; container log: ${tail}` : ''),
  );
}

export const portThroughput: Scenario = {
  name: 'port-throughput',
  summary: `send ${SIZE_MIB} MiB from the host into a container through a port published on 127.0.0.1 (nc + dd sink)`,
  target: { text: 'berth >= docker', ratio: 1, against: ['docker'] },
  unit: 'MB/s',
  higherIsBetter: true,
  subjects(ctx) {
    // Every engine's container runs for the whole scenario: each gets its own host port.
    const taken = new Set<number>();
    return ctx.engines.map((engine): Subject => {
      let port = 0;
      return {
        name: engine.name,
        engine: engine.name,
        async setup() {
          const image = await prepareContainerImage(engine, ctx);
          do port = await freePort();
          while (taken.has(port));
          taken.add(port);
          const argv = [
            'run',
            '-d',
            ...containerFlags(engine, { network: null }),
            '-p',
            `127.0.0.1:${port}:${CONTAINER_PORT}`,
            image,
            'nc',
            '-ll',
            '-p',
            String(CONTAINER_PORT),
            '-e',
            'sh',
            '-c',
            SINK,
          ];
          const id = printedId((await exec(engine, argv, 120_000)).stdout);
          await waitReady(engine, id, port);
        },
        async run() {
          const t = await transfer(port, SIZE_MIB, TRANSFER_TIMEOUT_MS);
          checkReply(t.reply, SIZE_MIB);
          return (SIZE_MIB * CHUNK.length) / 1e6 / t.seconds;
        },
        teardown: () => removeBenchContainers(engine),
      };
    });
  },
};
