// Progress of image transfers, in the shape of docker's JSONMessage so that the CLI renders
// it as docker does and the Engine API can stream it unchanged.
export interface ProgressEvent {
  status: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
}

export type ProgressSink = (ev: ProgressEvent) => void;

export const noProgress: ProgressSink = () => {};

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
