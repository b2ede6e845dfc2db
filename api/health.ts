/**
 * /livez, /readyz and /healthz as kube-apiserver serves them: named checks,
 * each also at /<endpoint>/<name>; `?verbose` lists them ([+]name ok,
 * [-]name failed: reason withheld); `?exclude=name` skips one. A failed
 * check makes the endpoint answer 500.
 */
import type { Express, Request, Response } from 'express';

/** One named check: resolves when healthy, throws (or rejects) when not. */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<void> | void;
}

const exclusions = (req: Request): Set<string> => {
  const v = req.query['exclude'];
  return new Set((Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String));
};

async function run(checks: readonly HealthCheck[]): Promise<{ name: string; ok: boolean }[]> {
  return Promise.all(
    checks.map(async (c) => {
      try {
        await c.check();
        return { name: c.name, ok: true };
      } catch {
        return { name: c.name, ok: false };
      }
    }),
  );
}

/** Serves endpoint (livez, readyz or healthz) with checks. */
export function serveHealth(app: Express, endpoint: string, checks: () => readonly HealthCheck[]): void {
  app.get(`/${endpoint}`, async (req: Request, res: Response) => {
    const skip = exclusions(req);
    const results = await run(checks().filter((c) => !skip.has(c.name)));
    const ok = results.every((r) => r.ok);
    const verbose = req.query['verbose'] !== undefined;
    res.type('text/plain; charset=utf-8').setHeader('X-Content-Type-Options', 'nosniff');
    if (ok && !verbose) {
      res.status(200).send('ok');
      return;
    }
    const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
    for (const name of skip) lines.push(`[+]${name} excluded: ok`);
    lines.push(ok ? `${endpoint} check passed` : `${endpoint} check failed`);
    res.status(ok ? 200 : 500).send(`${lines.join('\n')}\n`);
  });
  app.get(new RegExp(`^/${endpoint}/(.+)$`), async (req: Request, res: Response) => {
    const name = req.path.slice(endpoint.length + 2);
    const check = checks().find((c) => c.name === name);
    if (check === undefined) {
      res.status(404).type('text/plain').send('404 page not found\n');
      return;
    }
    const [r] = await run([check]);
    res.status(r!.ok ? 200 : 500).type('text/plain; charset=utf-8').send(r!.ok ? 'ok' : `internal server error: ${name} check failed\n`);
  });
}
