import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Command } from '../command.js';
import { BuildProgress, type ProgressMode } from '../../build/progress.js';
import { BuildFailure, type BuildOptions } from '../../backend/images.js';
import { invalid } from '../../errors.js';
import { parsePlatform } from '../../images/manifest.js';

async function readAll(input: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** A tar (plain or compressed) on stdin is a context; anything else is a Dockerfile. */
function isArchive(b: Buffer): boolean {
  return (b.length > 262 && b.toString('latin1', 257, 262) === 'ustar') || (b[0] === 0x1f && b[1] === 0x8b) || b.toString('latin1', 0, 3) === 'BZh' || (b[0] === 0xfd && b.toString('latin1', 1, 5) === '7zXZ');
}

function keyValues(list: string[], what: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq === 0) throw invalid(`invalid ${what} "${kv}"`);
    if (eq < 0) {
      // `--build-arg NAME` takes the value from the environment, or nothing when unset.
      if (process.env[kv] !== undefined) m.set(kv, process.env[kv]!);
    } else m.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return m;
}

/** --secret id=ID[,src=FILE|,env=VAR][,type=file|env] */
function secrets(list: string[]): Map<string, { file?: string; value?: string }> {
  const out = new Map<string, { file?: string; value?: string }>();
  for (const s of list) {
    const o = new Map(s.split(',').map((p) => [p.slice(0, p.indexOf('=') < 0 ? p.length : p.indexOf('=')), p.includes('=') ? p.slice(p.indexOf('=') + 1) : '']));
    const id = o.get('id');
    if (!id) throw invalid(`invalid --secret "${s}": id= is required`);
    const file = o.get('src') ?? o.get('source') ?? (o.get('type') === 'file' ? id : undefined);
    const env = o.get('env') ?? (o.get('type') === 'env' || !file ? id : undefined);
    if (file) out.set(id, { file });
    else if (env !== undefined && process.env[env] !== undefined) out.set(id, { value: process.env[env] });
    else throw invalid(`invalid --secret "${s}": no src= file and no environment variable ${env}`);
  }
  return out;
}

export const command: Command = {
  usage: '[OPTIONS] PATH | -',
  summary: 'Build an image from a Dockerfile',
  aliases: ['berth image build', 'berth build', 'berth builder build'],
  args: [1, 1],
  flags: [
    { name: 'build-arg', type: 'strings', value: 'list', help: 'Set build-time variables' },
    { name: 'file', short: 'f', type: 'string', value: 'string', help: "Name of the Dockerfile (default: \"PATH/Dockerfile\")" },
    { name: 'iidfile', type: 'string', value: 'string', help: 'Write the image ID to the file' },
    { name: 'label', type: 'strings', value: 'list', help: 'Set metadata for an image' },
    { name: 'network', type: 'string', value: 'string', default: 'default', help: 'Set the networking mode for the RUN instructions during build' },
    { name: 'no-cache', type: 'bool', help: 'Do not use cache when building the image' },
    { name: 'platform', type: 'string', value: 'string', help: 'Set platform if server is multi-platform capable' },
    { name: 'progress', type: 'string', value: 'string', default: 'auto', help: 'Set type of progress output ("auto", "plain", "tty", "quiet")' },
    { name: 'pull', type: 'bool', help: 'Always attempt to pull a newer version of the image' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress the build output and print image ID on success' },
    { name: 'secret', type: 'strings', value: 'stringArray', help: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")' },
    { name: 'tag', short: 't', type: 'strings', value: 'list', help: 'Name and optionally a tag in the "name:tag" format' },
    { name: 'target', type: 'string', value: 'string', help: 'Set the target build stage to build' },
    { name: 'rm', type: 'bool', default: true, hidden: true, help: 'Remove intermediate containers after a successful build' },
    { name: 'force-rm', type: 'bool', hidden: true, help: 'Always remove intermediate containers' },
  ],
  async run(cli, flags, [path]) {
    const quiet = flags.quiet as boolean;
    const requested = flags.progress as string;
    if (!['auto', 'plain', 'tty', 'quiet', 'rawjson'].includes(requested)) throw invalid(`invalid --progress "${requested}": use auto, plain, tty or quiet`);
    // a remote engine sends its progress as plain text: there is no terminal view of it to draw
    const mode: ProgressMode = quiet || requested === 'quiet' ? 'quiet' : requested === 'plain' || requested === 'rawjson' || cli.backend.remote ? 'plain' : requested === 'tty' || process.stderr.isTTY ? 'tty' : 'plain';
    const progress = new BuildProgress(mode, (s) => cli.err(s));
    const file = flags.file as string | undefined;
    if (file === '-' && path === '-') throw invalid('invalid argument: can\'t use stdin for both build context and dockerfile');
    if (/^(https?|git):\/\/|^git@/.test(path)) throw invalid(`unable to prepare context: remote contexts (${path}) are not supported by berth yet; clone or download it first`);

    let context: BuildOptions['context'];
    let dockerfile: BuildOptions['dockerfile'] = file === undefined ? undefined : file === '-' ? { text: (await readAll(process.stdin)).toString('utf8') } : { path: file };
    if (path === '-') {
      const input = await readAll(process.stdin);
      if (isArchive(input)) context = { tar: Readable.from([input]) };
      else {
        context = { none: true };
        dockerfile = { text: input.toString('utf8') };
      }
    } else context = { dir: path };
    if (dockerfile === undefined && 'dir' in context) dockerfile = { path: `${path.replace(/\/+$/, '')}/Dockerfile` };

    const platform = flags.platform as string | undefined;
    if (platform) parsePlatform(platform); // refused here, before the context is read
    const labels = Object.fromEntries(keyValues(flags.label as string[], '--label'));
    try {
      const id = await cli.backend.images.build({
        context,
        dockerfile,
        tags: flags.tag as string[],
        buildArgs: keyValues(flags['build-arg'] as string[], '--build-arg'),
        target: flags.target as string | undefined,
        noCache: flags['no-cache'] as boolean,
        pull: flags.pull as boolean,
        labels,
        secrets: secrets(flags.secret as string[]),
        network: flags.network as string,
        platform,
        quiet: mode === 'quiet',
      }, { event: (e) => progress.on(e), text: (s) => mode !== 'quiet' && cli.err(s) });
      progress.finish(true);
      if (flags.iidfile) writeFileSync(flags.iidfile as string, id);
      if (quiet) cli.out(`${id}\n`);
    } catch (e) {
      progress.finish(false);
      if (e instanceof BuildFailure) {
        cli.err(`${e.report}\n`);
        return 1;
      }
      throw e;
    }
  },
};
