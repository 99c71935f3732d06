// docker's "Are you sure you want to continue? [y/N]" for destructive commands.
export async function confirm(question: string, write: (s: string) => void): Promise<boolean> {
  write(`${question}\nAre you sure you want to continue? [y/N] `);
  const line = await readLine();
  return /^y(es)?$/i.test(line.trim());
}

function readLine(): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const stdin = process.stdin;
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const i = buf.indexOf('\n');
      if (i !== -1) done(buf.slice(0, i));
    };
    const done = (s: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(s);
    };
    const onEnd = () => done(buf);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onEnd);
  });
}

export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
