// The CRI endpoint: Kubernetes' runtime.v1 RuntimeService and ImageService over gRPC on a
// unix socket, each call a translation to the engine's services (sandboxes.ts,
// containers.ts, images.ts). The service keeps no state of its own (labels.ts).
import { connect } from 'node:net';
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { EngineContext } from '../engine/context.js';
import { BerthError, conflict, errorMessage, type ErrorKind } from '../errors.js';
import { log } from '../util/log.js';
import { VERSION } from '../version.js';
import { defaultRuntime } from '../platform/runtimes.js';
import { LOADER_OPTIONS, protoPath, type Req } from './proto.js';
import * as sandboxes from './sandboxes.js';
import * as containers from './containers.js';
import * as images from './images.js';

export const CRI_API_VERSION = 'v1';

type Handler = (ctx: EngineContext, req: Req) => Promise<object>;

const STATUS: Record<ErrorKind, grpc.status> = {
  'not-found': grpc.status.NOT_FOUND,
  conflict: grpc.status.FAILED_PRECONDITION,
  'invalid-argument': grpc.status.INVALID_ARGUMENT,
  unauthorized: grpc.status.UNAUTHENTICATED,
  forbidden: grpc.status.PERMISSION_DENIED,
  unavailable: grpc.status.UNAVAILABLE,
  'not-implemented': grpc.status.UNIMPLEMENTED,
  corrupt: grpc.status.DATA_LOSS,
  runtime: grpc.status.UNKNOWN,
  internal: grpc.status.INTERNAL,
};

function toStatus(e: unknown): Partial<grpc.StatusObject> {
  if (containers.isTimeout(e)) return { code: grpc.status.DEADLINE_EXCEEDED, details: errorMessage(e) };
  if (e instanceof BerthError) {
    const code = e.kind === 'conflict' && /already exists|already in use/.test(e.message) ? grpc.status.ALREADY_EXISTS : STATUS[e.kind];
    return { code, details: e.message };
  }
  return { code: grpc.status.UNKNOWN, details: errorMessage(e) };
}

function version(): Promise<object> {
  return Promise.resolve({ version: '0.1.0', runtime_name: 'berth', runtime_version: VERSION, runtime_api_version: CRI_API_VERSION });
}

function status(ctx: EngineContext, req: Req): Promise<object> {
  const runtimes = ['', ...new Set([defaultRuntime(ctx.config), ...Object.keys(ctx.config.runtimes)].filter((r): r is string => Boolean(r)))];
  return Promise.resolve({
    status: {
      conditions: [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        // berth's own bridge (netavark) networks the sandboxes: there is no CNI to wait for.
        { type: 'NetworkReady', status: true, reason: '', message: '' },
      ],
    },
    info: req.verbose ? { config: JSON.stringify({ root: ctx.config.root, runroot: ctx.config.runroot, defaultRuntime: defaultRuntime(ctx.config), rootless: ctx.config.rootless }) } : {},
    runtime_handlers: runtimes.map((name) => ({ name, features: { recursive_read_only_mounts: false, user_namespaces: false } })),
    features: { supplemental_groups_policy: false, user_namespaces_host_network: false },
  });
}

const RUNTIME: Record<string, Handler> = {
  Version: version,
  Status: status,
  RunPodSandbox: sandboxes.runPodSandbox,
  StopPodSandbox: sandboxes.stopPodSandbox,
  RemovePodSandbox: sandboxes.removePodSandbox,
  PodSandboxStatus: sandboxes.podSandboxStatus,
  ListPodSandbox: sandboxes.listPodSandbox,
  CreateContainer: containers.createContainer,
  StartContainer: containers.startContainer,
  StopContainer: containers.stopContainer,
  RemoveContainer: containers.removeContainer,
  ListContainers: containers.listContainers,
  ContainerStatus: containers.containerStatus,
  ExecSync: containers.execSync,
};

const IMAGE: Record<string, Handler> = {
  ListImages: images.listImages,
  ImageStatus: images.imageStatus,
  PullImage: images.pull,
  RemoveImage: images.removeImage,
  ImageFsInfo: images.imageFsInfo,
};

/** Why a method is not there (said in the UNIMPLEMENTED status). */
const MISSING: Record<string, string> = {
  Exec: 'streaming exec needs a streaming server, which berth does not have yet; ExecSync works',
  Attach: 'attach needs a streaming server, which berth does not have yet',
  PortForward: 'port forwarding needs a streaming server, which berth does not have yet',
  ReopenContainerLog: 'container logs are not reopened: conmon does not rotate CRI logs (no size limit) and the log file is the one CRI named',
};

function implement(service: grpc.ServiceDefinition, impl: Record<string, Handler>, ctx: EngineContext, serviceName: string): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(service)) {
    const fn = impl[name];
    if (def.responseStream) {
      out[name] = (call: grpc.ServerWritableStream<Req, object>) => {
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: `berth's CRI does not implement ${serviceName}/${name} (streaming calls are not supported yet)` });
      };
      continue;
    }
    out[name] = (call: grpc.ServerUnaryCall<Req, object>, callback: grpc.sendUnaryData<object>) => {
      if (!fn) {
        callback({ code: grpc.status.UNIMPLEMENTED, details: `berth's CRI does not implement ${serviceName}/${name}${MISSING[name] ? `: ${MISSING[name]}` : ''}` });
        return;
      }
      const t0 = Date.now();
      fn(ctx, call.request).then(
        (res) => {
          log.debug(`cri ${name} ${Date.now() - t0} ms`);
          callback(null, res);
        },
        (e: unknown) => {
          const st = toStatus(e);
          log.info(`cri ${name}: ${st.details}`);
          callback(st);
        },
      );
    };
  }
  return out;
}

interface CriPackage {
  runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } };
}

export function createCriServer(ctx: EngineContext): grpc.Server {
  const def = protoLoader.loadSync(protoPath(), LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as CriPackage;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 << 20, 'grpc.max_send_message_length': 40 << 20 });
  server.addService(pkg.runtime.v1.RuntimeService.service, implement(pkg.runtime.v1.RuntimeService.service, RUNTIME, ctx, 'RuntimeService'));
  server.addService(pkg.runtime.v1.ImageService.service, implement(pkg.runtime.v1.ImageService.service, IMAGE, ctx, 'ImageService'));
  return server;
}

/** Whether something answers on a unix socket. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Serve on a unix socket (0600: the CRI is root's, as kubelet is). A stale socket file is replaced; a live one refused. */
export async function listenCri(server: grpc.Server, path: string): Promise<() => void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (existsSync(path)) {
    if (await answers(path)) throw conflict(`something already answers on ${path}`);
    rmSync(path, { force: true });
  }
  await new Promise<number>((resolve, reject) => server.bindAsync(`unix://${path}`, grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))));
  chmodSync(path, 0o600);
  return () => rmSync(path, { force: true });
}
