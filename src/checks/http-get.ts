import { z } from 'zod';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { CheckEnvironmentError, defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';

const schema = strictFields({
  kind: z.literal('http.get'),
  url: z.string().describe('URL; ${VAR} is replaced from the sandbox environment (e.g. ${AWS_ENDPOINT_URL}).'),
  host: z.string().optional().describe('Host header to send (reach virtual hosts on 127.0.0.1 without DNS).'),
  status: z.number().int().default(200).describe('The HTTP status the response must have (default 200).'),
  contains: z.string().optional().describe('The response body contains this text.'),
  ...checkBase,
});
type Options = z.output<typeof schema>;

export function expand(template: string, env: NodeJS.ProcessEnv): string {
  return template.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined)
      throw new CheckEnvironmentError(
        `expected ${name} in the sandbox environment (used by ${template}); found it unset`,
        'Start the lab sandbox, then check again.',
      );
    return v;
  });
}

export function judgeHttp(
  o: Options,
  url: string,
  res: { status: number; body: string } | { error: string },
): Assertion[] {
  if ('error' in res) {
    return [
      {
        ok: false,
        expected: `GET ${url} answers ${o.status}`,
        found: `no answer: ${res.error}`,
        message: `GET ${url} failed: ${res.error}`,
        hint: o.hint ?? 'Is the service running? Check its port and that the sandbox is started.',
      },
    ];
  }
  const out: Assertion[] = [
    {
      ok: res.status === o.status,
      expected: `GET ${url} answers ${o.status}`,
      found: `HTTP ${res.status}`,
      message:
        res.status === o.status
          ? `GET ${url}: HTTP ${res.status}`
          : `GET ${url}: expected HTTP ${o.status}, found ${res.status}`,
      hint: o.hint,
    },
  ];
  if (o.contains !== undefined) {
    const ok = res.body.includes(o.contains);
    out.push({
      ok,
      expected: `the body contains ${JSON.stringify(o.contains)}`,
      found: ok ? 'it does' : `body starts ${JSON.stringify(res.body.slice(0, 80))}`,
      message: ok
        ? `GET ${url} serves the expected content`
        : `GET ${url} does not contain ${JSON.stringify(o.contains)}`,
      hint: o.hint,
    });
  }
  return out;
}

export const httpGet = defineCheck({
  kind: 'http.get',
  title: 'An HTTP GET answers with a status and optionally some text (Host header settable).',
  schema,
  example: {
    kind: 'http.get',
    url: '${AWS_ENDPOINT_URL}/index.html',
    host: 'team-site.s3-website.localhost',
    contains: 'Welcome',
  },
  async run(o, ctx) {
    const url = expand(o.url, ctx.env);
    try {
      // fetch() forbids overriding Host, so use node:http for that case.
      const res = await getWithHost(url, o.host, ctx.signal);
      return judgeHttp(o, url, res);
    } catch (err) {
      return judgeHttp(o, url, { error: (err as Error).message });
    }
  },
});

async function getWithHost(
  url: string,
  host: string | undefined,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  const http = await import('node:http');
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        headers: host ? { Host: host } : {},
        signal,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 1_000_000) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
  });
}
