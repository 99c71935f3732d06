// `build`: a Dockerfile and a context in, an image out. Stages run as a graph: only those the
// target needs, each as soon as what it reads is ready, independent ones at the same time.
// Every step is keyed by its parent's key, the instruction and the content it reads; a hit
// replays the step's recorded result (config and layers) without doing its work.
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { EngineContext } from '../engine/context.js';
import { sha256, type Descriptor } from '../images/content-store.js';
import { formatPlatform, hostPlatform, MediaType, type ContainerConfig, type ImageConfig, type Manifest, type Platform } from '../images/manifest.js';
import { storeLocalImage } from '../images/local-store.js';
import { familiarReference, formatReference, parseReference } from '../images/reference.js';
import { resolveInRoot } from '../containers/copy.js';
import { resolveUser } from '../containers/user.js';
import { parseGoDuration } from '../containers/health.js';
import { Lease } from '../storage/gc.js';
import { chainIds } from '../storage/snapshots.js';
import { parseDockerfile, DockerfileError } from './dockerfile.js';
import { parseTrigger, toStages, type Dockerfile, type Instruction, type Stage } from './instructions.js';
import { expandWord, expandWords, splitRaw, type Vars } from './shell-lex.js';
import type { BuildContext } from './context.js';
import { StepFs } from './layer.js';
import { BuildNetwork } from './sandbox.js';
import { BuildCache } from './cache.js';
import { prepareRun, PROXY_ARGS, csv } from './run-instruction.js';
import { prepareCopy } from './copy-instruction.js';
import { BuildError, containerConfig as cfg, type PreparedStep, type State, type StepEnv } from './step.js';

export { BuildError };

export type BuildEvent =
  | { type: 'vertex'; id: number; name: string }
  | { type: 'output'; id: number; data: Buffer }
  | { type: 'cached'; id: number }
  | { type: 'done'; id: number; seconds: number }
  | { type: 'error'; id: number; message: string }
  | { type: 'warning'; message: string };

export interface BuildOptions {
  context: BuildContext;
  dockerfile: { text: string; name: string };
  tags: string[];
  buildArgs: Map<string, string>;
  target?: string;
  noCache: boolean;
  pull: boolean;
  labels: Record<string, string>;
  /** id -> the secret: a host file, or a value (from an environment variable) */
  secrets: Map<string, { file?: string; value?: string }>;
  network: string;
  platform?: Platform;
  onEvent: (e: BuildEvent) => void;
}

export interface BuildResult {
  id: string;
  tags: string[];
}

/** What a stage knows while it runs: its state, its variables, and what ARG and ENV set. */
interface StageRun {
  stage: Stage;
  label: string;
  state: State;
  args: Map<string, string | undefined>;
  cmdSet: boolean;
  step: number;
  total: number;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function hash(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function envMap(env: string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    m.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  return m;
}

function setEnv(c: ContainerConfig, name: string, value: string): void {
  const env = (c.Env ??= []);
  const i = env.findIndex((e) => e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')) === name);
  if (i >= 0) env[i] = `${name}=${value}`;
  else env.push(`${name}=${value}`);
}

/** key=value pairs (ENV, LABEL), or the old one-pair `KEY value` form. */
function pairs(i: Instruction, escape: string, vars: Vars, used: Set<string>): Array<[string, string]> {
  const words = splitRaw(i.args, escape);
  const ex = (w: string) => expandWord(w, vars, { escape, used });
  if (!words[0].includes('=')) {
    const rest = i.args.slice(i.args.indexOf(words[0]) + words[0].length).trim();
    if (!rest) throw new DockerfileError(`${i.keyword} names must be followed by a value: ${words[0]}`, i.line);
    return [[ex(words[0]), ex(rest)]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new DockerfileError(`${i.keyword} expects key=value pairs, got "${w}"`, i.line);
    return [ex(w.slice(0, eq)), ex(w.slice(eq + 1))];
  });
}

export class Builder {
  private readonly df: Dockerfile;
  private readonly cache: BuildCache;
  private readonly lease: Lease;
  private readonly net: BuildNetwork;
  private readonly tmp: string;
  private readonly stageRuns = new Map<number, Promise<State>>();
  private readonly usedArgs = new Set<string>();
  private readonly metaArgs = new Map<string, string | undefined>();
  private readonly platform: Platform;
  private nextVertex = 1;

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: BuildOptions,
  ) {
    try {
      this.df = toStages(parseDockerfile(opts.dockerfile.text));
    } catch (e) {
      throw this.located(e);
    }
    this.platform = opts.platform ?? hostPlatform();
    const host = hostPlatform();
    if (this.platform.os !== host.os || this.platform.architecture !== host.architecture) {
      throw new BuildError(`the platform ${formatPlatform(this.platform)} cannot be built here: this host is ${formatPlatform(host)} and has no emulation for it`);
    }
    this.cache = new BuildCache(ctx.db);
    this.lease = Lease.take(ctx.db);
    this.tmp = join(ctx.storageTmp, `${process.pid}-build-${randomBytes(6).toString('hex')}`);
    mkdirSync(this.tmp, { recursive: true, mode: 0o700 });
    this.net = new BuildNetwork(ctx, join(this.tmp, 'net'));
  }

  private get escape(): string {
    return this.df.parsed.escape;
  }

  /** Attach the Dockerfile lines of `ins` (or of a parse error) to an error. */
  private located(e: unknown, ins?: { line: number; endLine: number }): BuildError {
    if (e instanceof BuildError && (e.location || !ins)) return e;
    const lines = this.df?.parsed.lines ?? this.opts.dockerfile.text.split(/\r?\n/);
    const file = this.opts.dockerfile.name;
    const line = ins?.line ?? (e instanceof DockerfileError ? e.line : undefined);
    const msg = e instanceof DockerfileError ? `dockerfile parse error on line ${e.line ?? '?'}: ${e.message}` : (e as Error).message;
    return new BuildError(msg, line ? { file, lines, from: line, to: ins?.endLine ?? line } : undefined);
  }

  private vertex(name: string): { id: number; start: number } {
    const id = this.nextVertex++;
    this.opts.onEvent({ type: 'vertex', id, name });
    return { id, start: Date.now() };
  }

  private done(v: { id: number; start: number }): void {
    this.opts.onEvent({ type: 'done', id: v.id, seconds: (Date.now() - v.start) / 1000 });
  }

  async run(): Promise<BuildResult> {
    try {
      const v = this.vertex(`[internal] load build definition from ${this.opts.dockerfile.name}`);
      this.done(v);
      for (const a of this.df.globalArgs) this.declareArgs(a, this.metaArgs, this.metaVars());
      const target = this.targetStage();
      const needed = this.needed(target);
      // Independent stages start together; each waits only for what it reads.
      const all = [...needed].map((s) => this.stageState(this.df.stages[s]));
      const finals = await Promise.all(all);
      const final = finals[[...needed].indexOf(target.index)];
      const unused = [...this.opts.buildArgs.keys()].filter((k) => !this.usedArgs.has(k) && !PROXY_ARGS.has(k));
      if (unused.length) this.opts.onEvent({ type: 'warning', message: `One or more build-args [${unused.join(' ')}] were not consumed` });
      return await this.export(final);
    } finally {
      await this.net.close();
      rmSync(this.tmp, { recursive: true, force: true });
      this.lease.release();
    }
  }

  /** Global scope: the platform args BuildKit predefines, then the ARGs before the first FROM. */
  private metaVars(): Vars {
    const m = this.platformArgs();
    for (const [k, v] of this.metaArgs) if (v !== undefined) m.set(k, v);
    return m;
  }

  private platformArgs(): Map<string, string> {
    const m = new Map<string, string>();
    for (const [prefix, p] of [['TARGET', this.platform], ['BUILD', hostPlatform()]] as const) {
      m.set(`${prefix}PLATFORM`, formatPlatform(p));
      m.set(`${prefix}OS`, p.os);
      m.set(`${prefix}ARCH`, p.architecture);
      m.set(`${prefix}VARIANT`, p.variant ?? '');
    }
    return m;
  }

  private targetStage(): Stage {
    const stages = this.df.stages;
    if (!this.opts.target) return stages[stages.length - 1];
    const t = stages.find((s) => s.name === this.opts.target!.toLowerCase());
    if (!t) throw new BuildError(`target stage "${this.opts.target}" could not be found`);
    return t;
  }

  /** An earlier stage by name or index, as FROM and --from name them. */
  private stageRef(name: string, before: number): Stage | undefined {
    const lower = name.toLowerCase();
    const byName = this.df.stages.find((s) => s.name === lower && s.index < before);
    if (byName) return byName;
    if (/^\d+$/.test(name) && Number(name) < before) return this.df.stages[Number(name)];
    return undefined;
  }

  /** The stages the target reads, directly or not (FROM, COPY --from, RUN --mount from=). */
  private needed(target: Stage): Set<number> {
    const out = new Set<number>();
    const visit = (s: Stage) => {
      if (out.has(s.index)) return;
      out.add(s.index);
      const refs = [s.base, ...s.instructions.flatMap((i) => [i.flags.get('from') ?? '', ...i.flags.all('mount').map((m) => csv(m).get('from') ?? '')])];
      for (const r of refs) {
        if (!r) continue;
        let name = r;
        try {
          name = expandWord(r, this.metaVars(), { escape: this.escape });
        } catch {
          /* reported when the step runs */
        }
        const dep = this.stageRef(name, s.index);
        if (dep) visit(dep);
      }
    };
    visit(target);
    return out;
  }

  private stageState(stage: Stage): Promise<State> {
    let p = this.stageRuns.get(stage.index);
    if (!p) {
      p = this.runStage(stage);
      this.stageRuns.set(stage.index, p);
      p.catch(() => undefined);
    }
    return p;
  }

  private async runStage(stage: Stage): Promise<State> {
    const multi = this.df.stages.length > 1;
    const label = multi ? stage.name ?? `stage-${stage.index}` : '';
    const run: StageRun = { stage, label, state: undefined as unknown as State, args: new Map(), cmdSet: false, step: 1, total: stage.instructions.length + 1 };
    try {
      run.state = await this.from(run);
    } catch (e) {
      throw this.located(e, stage.from);
    }
    const triggers = cfg(run.state).OnBuild ?? [];
    if (triggers.length) {
      cfg(run.state).OnBuild = null;
      for (const t of triggers) await this.dispatch(run, parseTrigger(t, stage.from.line), stage.from);
    }
    for (const ins of stage.instructions) {
      run.step++;
      await this.dispatch(run, ins, ins);
    }
    return run.state;
  }

  private async dispatch(run: StageRun, ins: Instruction, at: { line: number; endLine: number }): Promise<void> {
    try {
      await this.step(run, ins);
    } catch (e) {
      throw this.located(e, at);
    }
  }

  /** The variables a stage's instruction sees: its declared ARGs, then ENV over them. */
  private vars(run: StageRun): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, v] of run.args) if (v !== undefined) m.set(k, v);
    for (const [k, v] of envMap(cfg(run.state).Env)) m.set(k, v);
    return m;
  }

  private expand(run: StageRun, word: string): string {
    return expandWord(word, this.vars(run), { escape: this.escape, used: this.usedArgs });
  }

  private declareArgs(ins: Instruction, scope: Map<string, string | undefined>, vars: Vars): void {
    for (const w of splitRaw(ins.args, this.escape)) {
      const eq = w.indexOf('=');
      const name = eq < 0 ? w : w.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DockerfileError(`invalid ARG name: ${name}`, ins.line);
      const def = eq < 0 ? undefined : expandWord(w.slice(eq + 1), vars, { escape: this.escape });
      this.usedArgs.add(name);
      const given = this.opts.buildArgs.get(name);
      // A stage's bare `ARG NAME` takes the global value (meta arg) when there is one.
      scope.set(name, given ?? def ?? (scope === this.metaArgs ? undefined : this.metaArgs.get(name)) ?? this.platformArgs().get(name));
    }
  }

  // ------------------------------------------------------------------ FROM

  private async from(run: StageRun): Promise<State> {
    const { stage } = run;
    const base = expandWord(stage.base, this.metaVars(), { escape: this.escape, used: this.usedArgs });
    const platformFlag = stage.from.flags.get('platform');
    if (platformFlag) {
      const want = expandWord(platformFlag, this.metaVars(), { escape: this.escape });
      const host = hostPlatform();
      const [os, arch] = want.split('/');
      if (os !== host.os || (arch && arch !== host.architecture)) throw new BuildError(`FROM --platform=${want}: this host is ${formatPlatform(host)} and has no emulation for it`);
    }
    const earlier = this.stageRef(base, stage.index);
    if (earlier) {
      const s = await this.stageState(earlier);
      return { ...clone(s), key: hash('stage', s.key) };
    }
    if (base.toLowerCase() === 'scratch') {
      const p = this.platform;
      return { config: { architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}), config: { Env: [ 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' ] }, rootfs: { type: 'layers', diff_ids: [] }, history: [] }, layers: [], key: hash('scratch', formatPlatform(p)) };
    }
    return this.imageState(base, run);
  }

  /** A base image from the store, pulled when missing (or always, with --pull). */
  private async imageState(name: string, run?: StageRun): Promise<State> {
    let ref;
    try {
      ref = parseReference(name);
    } catch (e) {
      throw new BuildError(`base image name "${name}": ${(e as Error).message}`);
    }
    const canonical = formatReference(ref);
    const v = run ? this.vertex(`${this.prefix(run)} FROM ${canonical}`) : undefined;
    let row = this.opts.pull ? undefined : this.ctx.images.tryResolve(ref.digest ? `${ref.domain}/${ref.path}@${ref.digest}` : canonical)?.image;
    if (!row) {
      const { pullImage } = await import('../images/pull.js');
      const res = await pullImage(this.ctx, ref, { platform: this.platform, onProgress: () => undefined }).catch((e: Error) => {
        throw new BuildError(`${familiarReference(ref)}: failed to resolve source metadata: ${e.message}`);
      });
      row = this.ctx.images.get(res.id)!;
    }
    const config = JSON.parse(row.config) as ImageConfig;
    const layers = this.ctx.content.readJson<Manifest>(row.manifest_digest).layers;
    this.protect(config.rootfs.diff_ids, layers);
    if (v) {
      // A base image already in the store is a cache hit, unless the build asked for no cache.
      if (!this.opts.noCache && !this.opts.pull) this.opts.onEvent({ type: 'cached', id: v.id });
      this.done(v);
    }
    return { config, layers, key: hash('image', row.id) };
  }

  private protect(diffIds: string[], layers: Descriptor[]): void {
    this.lease.add([...layers.map((l): ['blob', string] => ['blob', l.digest]), ...chainIds(diffIds).map((c): ['snapshot', string] => ['snapshot', c])]);
  }

  private prefix(run: StageRun): string {
    return `[${run.label ? `${run.label} ` : ''}${run.step}/${run.total}]`;
  }

  // ------------------------------------------------------------------ steps

  private async step(run: StageRun, ins: Instruction): Promise<void> {
    const c = () => cfg(run.state);
    const meta = (payload: unknown, apply: (s: State) => void, createdBy = ins.text) =>
      this.cached(run, ins, payload, false, async (s) => {
        apply(s);
        return { createdBy };
      });
    switch (ins.keyword) {
      case 'ARG':
        this.declareArgs(ins, run.args, this.vars(run));
        return;
      case 'ENV': {
        const kv = pairs(ins, this.escape, this.vars(run), this.usedArgs);
        return meta(kv, (s) => kv.forEach(([k, v]) => setEnv(cfg(s), k, v)), `ENV ${kv.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      case 'LABEL': {
        const kv = pairs(ins, this.escape, this.vars(run), this.usedArgs);
        return meta(kv, (s) => kv.forEach(([k, v]) => ((cfg(s).Labels ??= {})[k] = v)), `LABEL ${kv.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      case 'MAINTAINER': {
        const who = this.expand(run, ins.args);
        return meta(who, (s) => (s.config.author = who));
      }
      case 'EXPOSE': {
        const ports = expandWords(ins.args, this.vars(run), { escape: this.escape, used: this.usedArgs }).flatMap(exposed);
        return meta(ports, (s) => ports.forEach((p) => ((cfg(s).ExposedPorts ??= {})[p] = {})), `EXPOSE map[${ports.map((p) => `${p}:{}`).join(' ')}]`);
      }
      case 'CMD':
      case 'ENTRYPOINT': {
        const argv = ins.json ?? [...(c().Shell ?? ['/bin/sh', '-c']), ins.args];
        const resetCmd = ins.keyword === 'ENTRYPOINT' && !run.cmdSet;
        if (ins.keyword === 'CMD') run.cmdSet = true;
        return meta([argv, resetCmd], (s) => {
          if (ins.keyword === 'CMD') cfg(s).Cmd = argv;
          else {
            cfg(s).Entrypoint = argv;
            if (resetCmd) cfg(s).Cmd = null;
          }
        }, `${ins.keyword} ${JSON.stringify(argv)}`);
      }
      case 'VOLUME': {
        const vols = ins.json ?? expandWords(ins.args, this.vars(run), { escape: this.escape, used: this.usedArgs });
        if (vols.some((v) => !v.trim())) throw new DockerfileError('VOLUME specified can not be an empty string', ins.line);
        return meta(vols, (s) => vols.forEach((v) => ((cfg(s).Volumes ??= {})[v] = {})), `VOLUME ${JSON.stringify(vols)}`);
      }
      case 'USER': {
        const u = this.expand(run, ins.args);
        return meta(u, (s) => (cfg(s).User = u), `USER ${u}`);
      }
      case 'STOPSIGNAL': {
        const sig = this.expand(run, ins.args);
        return meta(sig, (s) => (cfg(s).StopSignal = sig), `STOPSIGNAL ${sig}`);
      }
      case 'SHELL':
        return meta(ins.json, (s) => (cfg(s).Shell = ins.json), `SHELL ${JSON.stringify(ins.json)}`);
      case 'ONBUILD': {
        const trigger = ins.args.replace(/^(\S+)/, (k) => k.toUpperCase());
        return meta(trigger, (s) => (cfg(s).OnBuild = [...(cfg(s).OnBuild ?? []), trigger]), `ONBUILD ${trigger}`);
      }
      case 'HEALTHCHECK':
        return this.healthcheck(run, ins, meta);
      case 'WORKDIR':
        return this.workdir(run, ins);
      case 'RUN':
        return this.work(run, ins, prepareRun);
      case 'COPY':
      case 'ADD':
        return this.work(run, ins, prepareCopy);
      default:
        throw new DockerfileError(`unknown instruction: ${ins.keyword}`, ins.line);
    }
  }

  private healthcheck(run: StageRun, ins: Instruction, meta: (payload: unknown, apply: (s: State) => void, createdBy?: string) => Promise<void>): Promise<void> {
    const rest = ins.args.trim();
    const kind = rest.split(/\s+/)[0].toUpperCase();
    if (kind === 'NONE') return meta('NONE', (s) => (cfg(s).Healthcheck = { Test: ['NONE'] }), 'HEALTHCHECK NONE');
    const cmd = rest.slice(3).trim();
    const json = cmd.startsWith('[') ? (() => { try { return JSON.parse(cmd) as string[]; } catch { return undefined; } })() : undefined;
    const hc: NonNullable<ContainerConfig['Healthcheck']> = { Test: json ? ['CMD', ...json] : ['CMD-SHELL', cmd] };
    const dur = (flag: string, field: 'Interval' | 'Timeout' | 'StartPeriod' | 'StartInterval') => {
      const v = ins.flags.get(flag);
      if (v === undefined) return;
      let ns: number;
      try {
        ns = parseGoDuration(v);
      } catch {
        throw new DockerfileError(`HEALTHCHECK --${flag}: invalid duration "${v}"`, ins.line);
      }
      if (ns !== 0 && ns < 1e6) throw new DockerfileError(`HEALTHCHECK --${flag} cannot be less than 1ms`, ins.line);
      hc[field] = ns;
    };
    dur('interval', 'Interval');
    dur('timeout', 'Timeout');
    dur('start-period', 'StartPeriod');
    dur('start-interval', 'StartInterval');
    const retries = ins.flags.get('retries');
    if (retries !== undefined) {
      if (!/^\d+$/.test(retries)) throw new DockerfileError(`HEALTHCHECK --retries: invalid number "${retries}"`, ins.line);
      hc.Retries = Number(retries);
    }
    return meta(hc, (s) => (cfg(s).Healthcheck = hc), `HEALTHCHECK &{${JSON.stringify(hc.Test)}}`);
  }

  /**
   * Run a step through the cache: a hit replays the recorded state; a miss runs `work` on a
   * copy of the state (which may add one layer) and records the result.
   */
  private async cached(run: StageRun, ins: Instruction, payload: unknown, visible: boolean, work: PreparedStep['work']): Promise<void> {
    const key = hash(run.state.key, ins.keyword, payload);
    const v = visible ? this.vertex(`${this.prefix(run)} ${ins.text}`) : undefined;
    if (!this.opts.noCache) {
      const hit = this.cache.get(key);
      if (hit && hit.layers.every((l) => this.ctx.content.has(l.digest)) && chainIds(hit.config.rootfs.diff_ids).every((ch) => this.ctx.snapshots.has(ch))) {
        this.protect(hit.config.rootfs.diff_ids, hit.layers);
        run.state = { config: hit.config, layers: hit.layers, key };
        if (v) {
          this.opts.onEvent({ type: 'cached', id: v.id });
          this.done(v);
        }
        return;
      }
    }
    const next: State = { config: clone(run.state.config), layers: [...run.state.layers], key };
    try {
      const r = await work(next, (data) => v && this.opts.onEvent({ type: 'output', id: v.id, data }));
      const now = new Date().toISOString();
      if (r.layer) {
        this.protect([...next.config.rootfs.diff_ids, r.layer.diffId], [r.layer.desc]);
        next.config.rootfs = { type: 'layers', diff_ids: [...next.config.rootfs.diff_ids, r.layer.diffId] };
        next.layers.push(r.layer.desc);
      }
      next.config.history = [...(next.config.history ?? []), { created: now, created_by: r.createdBy, comment: 'buildkit.dockerfile.v0', ...(r.layer ? {} : { empty_layer: true }) }];
      next.config.created = now;
      this.cache.put(key, next.config, next.layers);
    } catch (e) {
      if (v) this.opts.onEvent({ type: 'error', id: v.id, message: (e as Error).message });
      throw e;
    }
    run.state = next;
    if (v) this.done(v);
  }

  private async workdir(run: StageRun, ins: Instruction): Promise<void> {
    const w = this.expand(run, ins.args);
    const dir = posix.resolve(cfg(run.state).WorkingDir || '/', w);
    return this.cached(run, ins, dir, true, async (s) => {
      cfg(s).WorkingDir = dir;
      const fs = await StepFs.open(this.ctx, s.config.rootfs.diff_ids);
      try {
        const abs = resolveInRoot(fs.rootfs, dir, true);
        if (!existsSync(abs)) {
          mkdirSync(abs, { recursive: true, mode: 0o755 });
          const u = cfg(s).User;
          if (u) {
            const owner = resolveUser(fs.rootfs, u);
            chownSync(abs, owner.uid, owner.gid);
          }
        }
      } catch (e) {
        await fs.unmount();
        fs.discard();
        throw e;
      }
      const layer = await fs.commit();
      return { createdBy: `WORKDIR ${dir}`, layer };
    });
  }

  /** The state a --from names: an earlier stage, or an image. */
  private async sourceState(run: StageRun, name: string): Promise<State> {
    const st = this.stageRef(name, run.stage.index);
    if (st) return this.stageState(st);
    if (/^\d+$/.test(name)) throw new BuildError(`invalid from flag value ${name}: refers to the current or a later stage`);
    return this.imageState(name);
  }

  private stepEnv(run: StageRun): StepEnv {
    return {
      ctx: this.ctx, context: this.opts.context, escape: this.escape, net: this.net, tmp: this.tmp, buildArgs: this.opts.buildArgs, secrets: this.opts.secrets,
      network: this.opts.network, state: run.state, args: run.args, vars: this.vars(run), used: this.usedArgs,
      sourceState: (name) => this.sourceState(run, name),
    };
  }

  /** RUN, COPY and ADD: prepare (what the step reads), then run through the cache. */
  private async work(run: StageRun, ins: Instruction, prepare: (env: StepEnv, ins: Instruction) => Promise<PreparedStep>): Promise<void> {
    const step = await prepare(this.stepEnv(run), ins);
    try {
      await this.cached(run, ins, step.payload, true, step.work);
    } finally {
      await step.release();
    }
  }

  // ------------------------------------------------------------------ export

  private async export(final: State): Promise<BuildResult> {
    const v = this.vertex('exporting to image');
    const config = clone(final.config);
    if (Object.keys(this.opts.labels).length) cfg({ ...final, config }).Labels = { ...(config.config?.Labels ?? {}), ...this.opts.labels };
    config.created = config.history?.at(-1)?.created ?? config.created;
    const configBody = Buffer.from(JSON.stringify(config));
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: sha256(configBody), size: configBody.length },
      layers: final.layers,
    };
    const res = await storeLocalImage(this.ctx, {
      manifestBody: Buffer.from(JSON.stringify(manifest)),
      manifestMediaType: MediaType.OciManifest,
      configBody,
      layerPath: (d) => this.ctx.content.path(d.digest),
      tags: this.opts.tags,
      label: this.opts.tags[0] ?? 'the built image',
    });
    this.opts.onEvent({ type: 'output', id: v.id, data: Buffer.from(`writing image ${res.id} done\n`) });
    for (const t of res.tags) {
      this.opts.onEvent({ type: 'output', id: v.id, data: Buffer.from(`naming to ${t} done\n`) });
      this.ctx.events.emit('image', 'tag', res.id, { name: t });
    }
    this.done(v);
    return res;
  }
}

/** EXPOSE's words: 80, 80/udp, 8000-8002/tcp. */
function exposed(w: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
  if (!m) throw new BuildError(`EXPOSE: invalid port "${w}"`);
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  if (hi < lo || hi > 65535) throw new BuildError(`EXPOSE: invalid port range "${w}"`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: hi - lo + 1 }, (_, i) => `${lo + i}/${proto}`);
}
