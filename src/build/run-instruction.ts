// RUN: the command (exec form, shell form, or a here-document), the environment it gets
// (ENV, then the stage's ARGs, then proxy args that stay out of the cache key), its
// --mount list (cache, bind, secret, tmpfs) and --network, run in a sandbox over the
// parent's layers. Mount points the runtime had to create are removed before the layer is
// cut, so neither a secret's name nor /proc stubs end up in an image.
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { resolveInRoot } from '../containers/copy.js';
import type { Mount } from '../containers/model.js';
import type { Instruction } from './instructions.js';
import { isHeredocToken } from './dockerfile.js';
import { expandWord } from './shell-lex.js';
import { StepFs, readOnlyView, removeStubs } from './layer.js';
import { missingTargets, parseNetworkMode, runStep } from './sandbox.js';
import { BuildError, containerConfig, type PreparedStep, type StepEnv } from './step.js';

export const PROXY_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);
const RUNTIME_MOUNTS = ['/proc', '/dev', '/sys', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf'];

interface RunMount {
  key: unknown;
  mount: (fs: StepFs) => Promise<Mount>;
  release: () => Promise<void>;
}

export function csv(v: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of v.split(',')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    m.set((eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase(), eq < 0 ? 'true' : part.slice(eq + 1));
  }
  return m;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== 'false' && v !== '0';
}

function envNames(env: string[] | undefined): Set<string> {
  return new Set((env ?? []).map((e) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e)));
}

export async function prepareRun(env: StepEnv, ins: Instruction): Promise<PreparedStep> {
  const config = containerConfig(env.state);
  const shell = config.Shell ?? ['/bin/sh', '-c'];
  let argv: string[];
  let script: { name: string; content: string } | undefined;
  if (ins.json) argv = ins.json;
  else if (ins.heredocs.length === 1 && isHeredocToken(ins.args.trim())) {
    // `RUN <<EOF`: the document is the script; one with #! runs as its own program.
    const h = ins.heredocs[0];
    if (h.content.startsWith('#!')) {
      script = { name: h.name, content: h.content };
      argv = [`/dev/pipes/${h.name}`];
    } else argv = [...shell, h.content];
  } else if (ins.heredocs.length) {
    argv = [...shell, [ins.args, ...ins.heredocs.map((h) => `${h.content}${h.name}`)].join('\n')];
  } else argv = [...shell, ins.args];

  const set = envNames(config.Env);
  const argEnv = [...env.args].filter(([k, v]) => v !== undefined && !set.has(k)).map(([k, v]) => `${k}=${v}`);
  const proxyEnv = [...env.buildArgs].filter(([k]) => PROXY_ARGS.has(k) && !env.args.has(k)).map(([k, v]) => `${k}=${v}`);
  const network = parseNetworkMode(ins.flags.get('network') ?? env.network, 'RUN --network');
  const security = ins.flags.get('security');
  if (security && security !== 'sandbox') throw new BuildError(`RUN --security=${security} is not allowed: berth runs build steps sandboxed`);
  const mounts = await runMounts(env, ins);
  const createdBy = `RUN ${argEnv.length ? `|${argEnv.length} ${argEnv.join(' ')} ` : ''}${argv.join(' ')} # buildkit`;

  return {
    payload: [argv, argEnv, network, mounts.map((m) => m.key), script],
    release: async () => {
      for (const m of mounts) await m.release();
    },
    work: async (s, output) => {
      const cfg = containerConfig(s);
      const workdir = cfg.WorkingDir || '/';
      const fs = await StepFs.open(env.ctx, s.config.rootfs.diff_ids);
      try {
        const list: Mount[] = [];
        for (const m of mounts) list.push(await m.mount(fs));
        if (script) {
          const f = join(fs.scratch('heredoc'), script.name);
          writeFileSync(f, script.content, { mode: 0o755 });
          list.push({ Type: 'bind', Source: f, Target: `/dev/pipes/${script.name}`, ReadOnly: true });
        }
        const keepWorkdir = posix.normalize(workdir).replace(/^\//, '');
        const created = missingTargets(fs.rootfs, [...RUNTIME_MOUNTS, ...list.map((m) => m.Target)]).filter((t) => t !== keepWorkdir);
        const code = await runStep(env.ctx, {
          rootfs: fs.rootfs, bundle: fs.scratch('bundle'), args: argv, env: [...(cfg.Env ?? []), ...argEnv, ...proxyEnv], user: cfg.User ?? '', workdir,
          mounts: list, network, net: env.net, onOutput: output,
        });
        await fs.unmount();
        if (code !== 0) throw new BuildError(`process "${argv.join(' ')}" did not complete successfully: exit code: ${code}`);
        removeStubs(fs.upper, created);
        return { createdBy, layer: await fs.commit() };
      } catch (e) {
        await fs.unmount().catch(() => undefined);
        fs.discard();
        throw e;
      }
    },
  };
}

/** RUN --mount: cache, bind (the context, another stage or an image), secret, tmpfs. */
async function runMounts(env: StepEnv, ins: Instruction): Promise<RunMount[]> {
  const out: RunMount[] = [];
  const workdir = containerConfig(env.state).WorkingDir || '/';
  const abs = (t: string) => posix.resolve(workdir, t);
  for (const spec of ins.flags.all('mount')) {
    const o = csv(expandWord(spec, env.vars, { escape: env.escape, used: env.used }));
    const type = o.get('type') ?? 'bind';
    const target = o.get('target') ?? o.get('dst') ?? o.get('destination');
    const readonly = truthy(o.get('readonly') ?? o.get('ro'));
    const none = async () => undefined;
    switch (type) {
      case 'cache': {
        if (!target) throw new BuildError('RUN --mount=type=cache needs a target');
        const id = o.get('id') ?? abs(target);
        const dir = join(env.ctx.config.root, 'build', 'cache-mounts', createHash('sha256').update(id).digest('hex').slice(0, 32));
        const uid = Number(o.get('uid') ?? 0);
        const gid = Number(o.get('gid') ?? 0);
        const mode = parseInt(o.get('mode') ?? '755', 8);
        // Shared between builds and between concurrent steps (sharing=shared, docker's default).
        out.push({
          key: ['cache', id, abs(target)],
          mount: async () => {
            if (!existsSync(dir)) {
              mkdirSync(dir, { recursive: true, mode });
              chownSync(dir, uid, gid);
            }
            return { Type: 'bind', Source: dir, Target: abs(target), ReadOnly: readonly };
          },
          release: none,
        });
        break;
      }
      case 'tmpfs': {
        if (!target) throw new BuildError('RUN --mount=type=tmpfs needs a target');
        const size = o.get('size');
        out.push({ key: ['tmpfs', abs(target), size], mount: async () => ({ Type: 'tmpfs', Source: 'tmpfs', Target: abs(target), ReadOnly: false, Options: size ? [`size=${size}`] : [] }), release: none });
        break;
      }
      case 'secret': {
        const id = o.get('id') ?? (target ? posix.basename(target) : undefined);
        if (!id) throw new BuildError('RUN --mount=type=secret needs an id or a target');
        const dest = target ? abs(target) : `/run/secrets/${id}`;
        const src = env.secrets.get(id);
        if (!src) {
          if (truthy(o.get('required'))) throw new BuildError(`secret ${id} not found: pass it with --secret id=${id},src=FILE`);
          break;
        }
        const mode = parseInt(o.get('mode') ?? '400', 8);
        const uid = Number(o.get('uid') ?? 0);
        const gid = Number(o.get('gid') ?? 0);
        // The secret's content is not part of the key: a new secret value does not rerun the step.
        out.push({
          key: ['secret', id, dest, mode, uid, gid],
          mount: async (fs) => {
            const f = join(fs.scratch('secrets'), id);
            if (src.file) copyFileSync(src.file, f);
            else writeFileSync(f, src.value ?? '', { mode: 0o600 });
            chmodSync(f, mode);
            chownSync(f, uid, gid);
            return { Type: 'bind', Source: f, Target: dest, ReadOnly: true };
          },
          release: none,
        });
        break;
      }
      case 'bind': {
        if (!target) throw new BuildError('RUN --mount=type=bind needs a target');
        const from = o.get('from');
        const source = o.get('source') ?? o.get('src') ?? '/';
        let view: { path: string; release: () => Promise<void> } | undefined;
        let key: unknown;
        if (from) {
          const st = await env.sourceState(from);
          view = await readOnlyView(env.ctx, st.config.rootfs.diff_ids);
          key = ['bind', st.key, source, abs(target), readonly];
        } else {
          const rels = env.context.match(source);
          key = ['bind', env.context.digest(rels), source, abs(target), readonly];
        }
        const rw = !readonly && truthy(o.get('rw') ?? o.get('readwrite'));
        const n = out.length;
        out.push({
          key,
          mount: async (fs) => {
            const src = view ? resolveInRoot(view.path, source, true) : join(env.context.dir, source.replace(/^\/+/, ''));
            if (!rw) return { Type: 'bind', Source: src, Target: abs(target), ReadOnly: true };
            // Writes to a read-write bind are thrown away after the step: it gets a copy.
            const copy = join(fs.scratch('rw-binds'), String(n));
            cpSync(src, copy, { recursive: true, verbatimSymlinks: true });
            return { Type: 'bind', Source: copy, Target: abs(target), ReadOnly: false };
          },
          release: async () => {
            await view?.release();
          },
        });
        break;
      }
      case 'ssh':
        throw new BuildError('RUN --mount=type=ssh is not supported by berth yet');
      default:
        throw new BuildError(`RUN --mount: unknown mount type "${type}"`);
    }
  }
  return out;
}
