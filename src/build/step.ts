// What a build step is, between the builder that schedules and caches it and the modules
// that carry out RUN and COPY/ADD: a step first says what it reads (its cache payload) and
// only then, on a cache miss, does its work on the parent's state.
import { BerthError } from '../errors.js';
import type { EngineContext } from '../engine/context.js';
import type { Descriptor } from '../images/content-store.js';
import type { ContainerConfig, ImageConfig } from '../images/manifest.js';
import type { BuildContext } from './context.js';
import { snippet } from './dockerfile.js';
import type { LayerResult } from './layer.js';
import type { BuildNetwork } from './sandbox.js';

/** An image being built: its config, its layers, and the cache key that produced it. */
export interface State {
  config: ImageConfig;
  layers: Descriptor[];
  key: string;
}

export function containerConfig(s: State): ContainerConfig {
  return (s.config.config ??= {});
}

export interface StepResult {
  createdBy: string;
  /** the layer the step added; none when it changed no file */
  layer?: LayerResult;
}

export interface PreparedStep {
  /** everything the step's result depends on besides its parent */
  payload: unknown;
  /** the work, on a copy of the parent's state; `output` carries what a process prints */
  work: (s: State, output: (d: Buffer) => void) => Promise<StepResult>;
  /** give back what preparing took (mounted views of other stages) */
  release: () => Promise<void>;
}

/** What a step may read of the build and of its stage. */
export interface StepEnv {
  ctx: EngineContext;
  context: BuildContext;
  escape: string;
  net: BuildNetwork;
  tmp: string;
  buildArgs: Map<string, string>;
  secrets: Map<string, { file?: string; value?: string }>;
  /** the build's default network mode for RUN */
  network: string;
  /** the stage's state before the step */
  state: State;
  /** the stage's declared ARGs */
  args: Map<string, string | undefined>;
  /** ARGs and ENV as the step's words see them */
  vars: Map<string, string>;
  /** names the step looked up (to tell which build args were consumed) */
  used: Set<string>;
  /** an earlier stage or an image, by what --from says */
  sourceState: (name: string) => Promise<State>;
}

/** A failed build: the message, and the Dockerfile lines to show with it. */
export class BuildError extends BerthError {
  constructor(
    message: string,
    readonly location?: { file: string; lines: string[]; from: number; to: number },
  ) {
    super('invalid-argument', message);
  }

  /** BuildKit's report: the lines around the failing instruction, then the error. */
  report(): string {
    return (this.location ? snippet(this.location.file, this.location.lines, this.location.from, this.location.to) + '\n' : '') + `ERROR: failed to build: ${this.message}`;
  }
}
