// berth kube generate | play (podman's `kube` commands; `berth generate kube` is generate too).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { KubeService } from '../../engine/kube.js';
import { pullImage } from '../../images/pull.js';
import { progressRenderer } from '../progress.js';
import { conflict, invalid } from '../../errors.js';

export const generate: Command = {
  usage: '[OPTIONS] CONTAINER|POD [CONTAINER|POD...]',
  summary: 'Generate Kubernetes YAML from containers or pods',
  aliases: ['berth kube generate', 'berth generate kube'],
  args: [1, Infinity],
  failureCode: 125,
  flags: [
    { name: 'filename', short: 'f', type: 'string', value: 'file', help: 'Write the YAML to this file instead of stdout (never replaces an existing file)' },
    { name: 'service', short: 's', type: 'bool', help: 'Add a Service for the pod (NodePort for published ports)' },
    { name: 'type', short: 't', type: 'string', value: 'kind', default: 'pod', help: 'The kind to generate: pod or deployment' },
    { name: 'replicas', short: 'r', type: 'int', value: 'int', help: 'replicas of a Deployment (with --type deployment)' },
  ],
  async run(cli, flags, names) {
    const type = String(flags.type).toLowerCase();
    if (type !== 'pod' && type !== 'deployment') throw invalid(`invalid --type "${String(flags.type)}": use pod or deployment`);
    if (flags.replicas !== undefined && type !== 'deployment') throw invalid('--replicas needs --type deployment');
    const file = flags.filename as string | undefined;
    if (file && existsSync(file)) throw conflict(`cannot write to ${file}: the file exists`);
    const yaml = await new KubeService(cli.engine).generate(names, { service: flags.service as boolean, type, replicas: flags.replicas as number | undefined });
    if (file) writeFileSync(file, yaml);
    else cli.out(yaml);
  },
};

async function readInput(source: string): Promise<string> {
  if (source !== '-') return readFileSync(source, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const play: Command = {
  usage: '[OPTIONS] FILE|-',
  summary: 'Create pods, containers and volumes from Kubernetes YAML',
  aliases: ['berth kube play', 'berth play kube'],
  args: [1, 1],
  failureCode: 125,
  flags: [
    { name: 'down', type: 'bool', help: 'Remove the pods (and their containers) a previous play of this file made; volumes stay' },
    { name: 'replace', type: 'bool', help: 'Remove existing pods of the same names first' },
    { name: 'start', type: 'bool', default: true, help: 'Start the pods after creating them (--start=false only creates)' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Do not show image pull progress' },
  ],
  async run(cli, flags, [source]) {
    const svc = new KubeService(cli.engine); // refused under -H before any input is read
    const text = await readInput(source);
    if (flags.down) {
      const r = await svc.down(text);
      if (r.stopped.length) cli.out(`Pods stopped:\n${r.stopped.join('\n')}\n`);
      if (r.removed.length) cli.out(`Pods removed:\n${r.removed.join('\n')}\n`);
      return;
    }
    const report = await svc.play(text, {
      start: flags.start as boolean,
      replace: flags.replace as boolean,
      pullImage: async (ref) => (await pullImage(cli.engine, ref, { onProgress: progressRenderer(cli.err, { tty: Boolean(process.stderr.isTTY), quiet: flags.quiet as boolean }) })).id,
    });
    for (const w of report.warnings) cli.err(`WARNING: ${w}\n`);
    for (const v of report.volumes) cli.out(`Volume:\n${v}\n`);
    for (const p of report.pods) cli.out(`Pod:\n${p.id}\nContainers:\n${p.containers.join('\n')}\n\n`);
  },
};
