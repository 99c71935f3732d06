// The image half of the remote backend.
import type { ProgressEvent, ProgressSink } from '../../images/progress.js';
import { BerthError } from '../../errors.js';
import { jsonMessages, type ApiClient } from './client.js';

type Message = ProgressEvent & { error?: string; errorDetail?: { message?: string } };

/** POST /images/create: the pull, its JSON progress handed on, an error in the stream thrown. */
export async function pullThrough(api: ApiClient, ref: string, platform: string | undefined, progress: ProgressSink): Promise<void> {
  const body = await api.stream('POST', '/images/create', { query: { fromImage: ref, platform } });
  for await (const m of jsonMessages<Message>(body)) {
    const err = m.errorDetail?.message ?? m.error;
    if (err) throw new BerthError(/not found|unknown|denied/i.test(err) ? 'not-found' : 'runtime', err);
    progress(m);
  }
}
