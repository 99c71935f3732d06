// What a command module exports, and what it gets to work with.
import type { Config } from '../config.js';
import type { EngineContext } from '../engine/context.js';
import type { Backend } from '../backend/backend.js';
import type { FlagSpec, FlagValues } from './args.js';

export interface Cli {
  config: Config;
  /**
   * The engine, local or remote (-H, BERTH_HOST): what commands are written against. Opened on
   * first use.
   */
  readonly backend: Backend;
  /** The local engine's handles, for what only the local engine does; refused with -H. Opened on first use. */
  readonly engine: EngineContext;
  out(s: string): void;
  err(s: string): void;
  stdoutIsTTY: boolean;
}

export interface Command {
  usage: string;
  summary: string;
  flags: FlagSpec[];
  aliases?: string[];
  /** [min, max] positional arguments (max Infinity when unbounded) */
  args: [number, number];
  /** Stop parsing flags at the first positional (run, exec). Default: interspersed. */
  stopAtPositional?: boolean;
  /** Exit code on engine failure: 1 for most commands, 125 for run/create. */
  failureCode?: number;
  run(cli: Cli, flags: FlagValues, args: string[]): Promise<number | void>;
}

export const formatFlag: FlagSpec = { name: 'format', type: 'string', value: 'string', help: 'Format output using a custom template: \'table\', \'table TEMPLATE\', \'json\', or a Go template' };
export const filterFlag: FlagSpec = { name: 'filter', short: 'f', type: 'strings', value: 'filter', help: 'Filter output based on conditions provided' };
