/**
 * A few direct HTTPS calls to a process cluster's API server with the admin certificate, for the
 * start-up path: readiness probes and the handful of objects the driver creates itself. Spawning
 * kubectl costs 100-200 ms a call; during a start that polls every 150 ms it would cost more than
 * the wait itself. Anything a learner could type goes through kubectl instead.
 */
import https from 'node:https';
import { readFile } from 'node:fs/promises';

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface ApiAnswer {
  status: number;
  body: string;
}

export class KubeApi {
  private readonly base: string;
  private readonly tls: TlsFiles;
  private agent: https.Agent | undefined;

  constructor(base: string, tls: TlsFiles) {
    this.base = base.replace(/\/$/, '');
    this.tls = tls;
  }

  private async getAgent(): Promise<https.Agent> {
    if (this.agent) return this.agent;
    const [ca, cert, key] = await Promise.all([
      readFile(this.tls.caFile),
      readFile(this.tls.certFile),
      readFile(this.tls.keyFile),
    ]);
    this.agent = new https.Agent({ ca, cert, key, keepAlive: true, maxSockets: 4 });
    return this.agent;
  }

  async request(method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<ApiAnswer> {
    const agent = await this.getAgent();
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${this.base}${path}`,
        {
          method,
          agent,
          timeout: timeoutMs,
          headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${this.base}${path} within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** GET returning true for 200, for health endpoints. */
  async ok(path: string, timeoutMs = 2000): Promise<boolean> {
    const r = await this.request('GET', path, undefined, timeoutMs).catch(() => null);
    return r?.status === 200;
  }

  /** Creates an object; an existing one (409) counts as done. */
  async ensure(collectionPath: string, object: unknown): Promise<void> {
    const r = await this.request('POST', collectionPath, object);
    if (r.status >= 200 && r.status < 300) return;
    if (r.status === 409) return;
    throw new Error(
      `expected the API server to create ${collectionPath} object, got HTTP ${r.status}: ${r.body.slice(0, 300)}`,
    );
  }

  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}
