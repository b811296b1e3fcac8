/**
 * The browser half of the terminal: an xterm.js view of the lab's shell, as the custom element
 * `<dojo-terminal data-lab="...">` rendered by Terminal.astro. Bundled by Astro into a file under
 * /_astro/, so it runs under the site's CSP (`script-src 'self'`).
 *
 * It speaks src/shared/terminal-protocol.ts: binary frames are output, written to xterm, and
 * acknowledged only once xterm has rendered them (its write callback), which is what lets the
 * runner pause a runaway producer. The same shell survives reloads: on `attached` the view resets
 * and the runner replays the screen. Lost connections retry with backoff; an exited shell waits
 * for Enter (or the button) before a new one starts.
 */
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import {
  CLOSE,
  FLOW,
  INPUT_CHUNK_CHARS,
  TERMINAL_PATH,
  serverMessageSchema,
  type ClientMessage,
} from '../../shared/terminal-protocol.ts';

/** The site's palette (src/styles/global.css) as an xterm theme, read from the CSS variables. */
function themeFromCss(): ITheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const accent = v('--accent', '#4fb3a9');
  return {
    background: v('--panel', '#171d24'),
    foreground: v('--text', '#e6edf3'),
    cursor: accent,
    cursorAccent: v('--panel', '#171d24'),
    selectionBackground: '#2f4b5a',
    black: '#0f1419',
    red: v('--fail', '#f85149'),
    green: v('--pass', '#3fb950'),
    yellow: v('--warn', '#d29922'),
    blue: v('--accent-2', '#7cc4ff'),
    magenta: '#d2a8ff',
    cyan: accent,
    white: v('--text', '#e6edf3'),
    brightBlack: v('--muted', '#9aa7b4'),
    brightRed: '#ff7b72',
    brightGreen: '#56d364',
    brightYellow: '#e3b341',
    brightBlue: '#a5d6ff',
    brightMagenta: '#e2c5ff',
    brightCyan: '#7fd8cf',
    brightWhite: '#ffffff',
  };
}

const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

class DojoTerminal extends HTMLElement {
  private term: Terminal | undefined;
  private fit: FitAddon | undefined;
  private ws: WebSocket | null = null;
  private retry = 0;
  private retryTimer: number | undefined;
  private resizeTimer: number | undefined;
  private exited = false;
  private pendingWrites = 0;
  private renderedUnacked = 0;
  private observer?: ResizeObserver;

  connectedCallback(): void {
    const screen = this.querySelector<HTMLElement>('[data-screen]');
    if (!screen || this.term) return;
    const term = new Terminal({
      theme: themeFromCss(),
      fontFamily: getComputedStyle(document.documentElement).getPropertyValue('--mono').trim() || 'monospace',
      fontSize: 14,
      cursorBlink: true,
      scrollback: 5000,
      allowProposedApi: false,
      macOptionIsMeta: true,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    // Links open in a new tab without giving the opened page a handle on this one.
    term.loadAddon(new WebLinksAddon((_event, uri) => window.open(uri, '_blank', 'noopener,noreferrer')));
    term.open(screen);
    this.term = term;
    this.fit = fit;
    this.fitNow();

    term.onData((data) => this.input(data));
    term.onResize(({ cols, rows }) => this.send({ type: 'resize', cols, rows }));
    term.attachCustomKeyEventHandler((e) => this.clipboardKeys(e));
    screen.addEventListener('mousedown', () => term.focus());
    this.querySelector('[data-action="reconnect"]')?.addEventListener('click', () => {
      this.exited = false;
      this.connect();
      term.focus();
    });

    this.observer = new ResizeObserver(() => {
      window.clearTimeout(this.resizeTimer);
      this.resizeTimer = window.setTimeout(() => this.fitNow(), 50);
    });
    this.observer.observe(screen);
    this.connect();
  }

  disconnectedCallback(): void {
    this.observer?.disconnect();
    window.clearTimeout(this.retryTimer);
    this.ws?.close();
    this.term?.dispose();
    this.term = undefined;
  }

  private fitNow(): void {
    try {
      this.fit?.fit();
    } catch {
      // not laid out yet (hidden); the next resize fits
    }
  }

  private status(text: string, tone: 'ok' | 'warn' | 'error' = 'ok'): void {
    const el = this.querySelector<HTMLElement>('[data-status]');
    if (!el) return;
    el.textContent = text;
    el.dataset['tone'] = tone;
  }

  private showReconnect(label: string | null): void {
    const button = this.querySelector<HTMLButtonElement>('[data-action="reconnect"]');
    if (!button) return;
    button.hidden = label === null;
    if (label) button.textContent = label;
  }

  private send(message: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private input(data: string): void {
    if (this.exited) {
      // After the shell exited, Enter starts a new one; other keys are ignored.
      if (data === '\r') {
        this.exited = false;
        this.connect();
      }
      return;
    }
    // Large pastes go in pieces that each fit a frame.
    for (let i = 0; i < data.length; i += INPUT_CHUNK_CHARS) {
      this.send({ type: 'input', data: data.slice(i, i + INPUT_CHUNK_CHARS) });
    }
  }

  /** Ctrl+Shift+C / Ctrl+Shift+V (Cmd+C / Cmd+V on macOS); plain Ctrl+C stays an interrupt. */
  private clipboardKeys(e: KeyboardEvent): boolean {
    if (e.type !== 'keydown' || !this.term) return true;
    const mod = isMac ? e.metaKey : e.ctrlKey && e.shiftKey;
    if (mod && e.code === 'KeyC') {
      const selection = this.term.getSelection();
      if (selection) void navigator.clipboard?.writeText(selection).catch(() => undefined);
      return false;
    }
    if (mod && e.code === 'KeyV') {
      // The browser's own paste event (xterm listens to it) carries the text without a permission prompt.
      return false;
    }
    return true;
  }

  private connect(): void {
    const term = this.term;
    const lab = this.dataset['lab'];
    if (!term || !lab) return;
    window.clearTimeout(this.retryTimer);
    this.ws?.close();
    this.status('Connecting…');
    this.showReconnect(null);
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const query = new URLSearchParams({ lab, cols: String(term.cols), rows: String(term.rows) });
    const ws = new WebSocket(`${scheme}://${location.host}${TERMINAL_PATH}?${query}`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.pendingWrites = 0;
    this.renderedUnacked = 0;

    ws.addEventListener('message', (event: MessageEvent<ArrayBuffer | string>) => {
      if (ws !== this.ws) return;
      if (typeof event.data !== 'string') return this.output(new Uint8Array(event.data));
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        return;
      }
      const parsed = serverMessageSchema.safeParse(json);
      if (!parsed.success) return;
      const message = parsed.data;
      switch (message.type) {
        case 'attached':
          this.retry = 0;
          // The runner replays the whole screen next: start from a clean one.
          term.reset();
          this.dataset['pid'] = String(message.pid);
          this.status(
            message.sandbox === 'running'
              ? 'Connected · sandbox environment loaded'
              : 'Connected · sandbox not started (its variables are not set in this shell)',
            message.sandbox === 'running' ? 'ok' : 'warn',
          );
          break;
        case 'output':
          this.output(new TextEncoder().encode(message.data));
          break;
        case 'exit':
          this.exited = true;
          this.status(`The shell exited (code ${message.code}). Press Enter for a new one.`, 'warn');
          this.showReconnect('New shell');
          break;
        case 'notice':
          this.status(message.message, 'warn');
          break;
      }
    });

    ws.addEventListener('close', (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      if (event.code === CLOSE.shellExited || this.exited) {
        this.exited = true;
        this.status('The shell exited. Press Enter for a new one.', 'warn');
        this.showReconnect('New shell');
        return;
      }
      if (event.code === CLOSE.replaced) {
        this.status('This terminal is open in another tab or window.', 'warn');
        this.showReconnect('Use it here');
        return;
      }
      if (event.code === CLOSE.invalidPayload || event.code === CLOSE.tooBig) {
        this.status(`The runner closed the terminal: ${event.reason}`, 'error');
        this.showReconnect('Reconnect');
        return;
      }
      // Runner restarting, network blip, laptop waking up: retry with backoff, up to 10 s apart.
      const delay = Math.min(10_000, 500 * 2 ** this.retry++);
      this.status(`Disconnected. Retrying in ${Math.round(delay / 1000) || 1} s…`, 'warn');
      this.showReconnect('Reconnect now');
      this.retryTimer = window.setTimeout(() => this.connect(), delay);
    });
  }

  /** Writes output and acks it once xterm has rendered it (the runner's flow control relies on that). */
  private output(bytes: Uint8Array): void {
    const term = this.term;
    if (!term) return;
    this.pendingWrites++;
    term.write(bytes, () => {
      this.pendingWrites--;
      this.renderedUnacked += bytes.byteLength;
      if (this.renderedUnacked >= FLOW.ackEveryBytes || this.pendingWrites === 0) {
        this.send({ type: 'ack', bytes: this.renderedUnacked });
        this.renderedUnacked = 0;
      }
    });
  }
}

if (!customElements.get('dojo-terminal')) customElements.define('dojo-terminal', DojoTerminal);
