/**
 * The browser half of the terminal: an xterm.js view of the lab's shell inside the
 * `<dojo-terminal data-lab="...">` element rendered by Terminal.astro. terminal-element.ts loads
 * this module (and xterm with it) only when the terminal is opened, as its own chunk under
 * /_astro/, so it runs under the site's CSP (`script-src 'self'`).
 *
 * It speaks src/shared/terminal-protocol.ts: binary frames are output, written to xterm, and
 * acknowledged only once xterm has rendered them (its write callback), which is what lets the
 * runner pause a runaway producer. The same shell survives reloads: on `attached` the view resets
 * and the runner replays the screen. Lost connections retry with backoff, unless the runner says
 * this tab is signed out (it restarted with a new token): then the view says what to do and stops.
 * An exited shell waits for Enter (or the button) before a new one starts.
 *
 * Keyboard: the terminal needs Tab (completion) and Esc (editors), so neither moves focus by itself.
 * Esc then Tab (or Shift+Tab) leaves it: the Esc is held back until the next key, and sent to the
 * shell unless that key is Tab (or after 400 ms without one), so editors still get their Esc.
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
import { announceSignedOut, probeRunner, SIGNED_OUT_EVENT, SIGNED_OUT_MESSAGE } from '../runner-access.ts';

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

/**
 * An open socket that has not been attached to a shell after this long is given up and reopened.
 * The runner attaches within milliseconds; this only matters when a shell is swapped under an
 * attach in progress (the sandbox became ready at that moment), which left the page "Connecting…".
 */
const ATTACH_TIMEOUT_MS = 10_000;

/** How long a held-back Esc waits for a Tab before it goes to the shell. */
const ESCAPE_GRACE_MS = 400;
const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'AltGraph', 'CapsLock']);
const TABBABLE = 'a[href], button, input, select, textarea, [tabindex]';

/** Elements Tab would visit, in document order. */
function tabbables(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>(TABBABLE)].filter(
    (el) =>
      el.tabIndex >= 0 &&
      !(el as HTMLButtonElement).disabled &&
      el.getClientRects().length > 0 &&
      !el.closest('[hidden], [inert]'),
  );
}

export class TerminalView {
  private readonly host: HTMLElement;
  private term: Terminal | undefined;
  private fit: FitAddon | undefined;
  private ws: WebSocket | null = null;
  private retry = 0;
  private retryTimer: number | undefined;
  private attachTimer: number | undefined;
  private resizeTimer: number | undefined;
  private exited = false;
  private pendingWrites = 0;
  private renderedUnacked = 0;
  /** Input not sent yet (the rest of a large paste) and input sent but not yet acked by the runner. */
  private inputQueue: string[] = [];
  private inputInFlight = 0;
  private observer?: ResizeObserver;
  private signedOut = false;
  private escapeHeld: number | undefined;
  private readonly onSignedOut = () => this.stopForSignOut();

  constructor(host: HTMLElement) {
    this.host = host;
    const screen = host.querySelector<HTMLElement>('[data-screen]');
    if (!screen) throw new Error('expected a [data-screen] element inside <dojo-terminal>, found none');
    const term = new Terminal({
      theme: themeFromCss(),
      fontFamily: getComputedStyle(document.documentElement).getPropertyValue('--mono').trim() || 'monospace',
      fontSize: 14,
      // At line height 1.0 the row is exactly the font size and clips what hangs below the
      // baseline: at 1x pixel density `terraform_data` showed as `terraform data`. 1.2 leaves room.
      lineHeight: 1.2,
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
    term.attachCustomKeyEventHandler((e) => this.escapeKeys(e) && this.clipboardKeys(e));
    screen.addEventListener('mousedown', () => term.focus());
    host.querySelector('[data-action="reconnect"]')?.addEventListener('click', () => {
      this.exited = false;
      this.signedOut = false;
      this.connect();
      term.focus();
    });
    document.addEventListener(SIGNED_OUT_EVENT, this.onSignedOut);

    this.observer = new ResizeObserver(() => {
      window.clearTimeout(this.resizeTimer);
      this.resizeTimer = window.setTimeout(() => this.fitNow(), 50);
    });
    this.observer.observe(screen);
    this.connect();
  }

  focus(): void {
    this.term?.focus();
  }

  dispose(): void {
    document.removeEventListener(SIGNED_OUT_EVENT, this.onSignedOut);
    this.observer?.disconnect();
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.attachTimer);
    window.clearTimeout(this.escapeHeld);
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
    const el = this.host.querySelector<HTMLElement>('[data-status]');
    if (!el) return;
    el.textContent = text;
    el.dataset['tone'] = tone;
  }

  private showReconnect(label: string | null): void {
    const button = this.host.querySelector<HTMLButtonElement>('[data-action="reconnect"]');
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
    // Large pastes go in pieces that each fit a frame, and no faster than the shell takes them:
    // at most FLOW.inputWindowChars unacknowledged (inputAck), the rest waits here.
    for (let i = 0; i < data.length; i += INPUT_CHUNK_CHARS) this.inputQueue.push(data.slice(i, i + INPUT_CHUNK_CHARS));
    this.sendInput();
  }

  private sendInput(): void {
    while (this.inputQueue.length && this.ws?.readyState === WebSocket.OPEN) {
      const next = this.inputQueue[0] ?? '';
      if (this.inputInFlight > 0 && this.inputInFlight + next.length > FLOW.inputWindowChars) return;
      this.inputQueue.shift();
      this.inputInFlight += next.length;
      this.send({ type: 'input', data: next });
    }
  }

  /**
   * Esc then Tab leaves the terminal (Shift+Tab backwards). Returns false for keys xterm must not
   * handle. The Esc is held back until the next key so that a Tab after it never reaches the shell.
   */
  private escapeKeys(e: KeyboardEvent): boolean {
    if (e.type !== 'keydown') return true;
    const plain = !e.ctrlKey && !e.altKey && !e.metaKey;
    if (this.escapeHeld !== undefined) {
      if (MODIFIER_KEYS.has(e.key)) return true; // the Shift of Shift+Tab
      window.clearTimeout(this.escapeHeld);
      this.escapeHeld = undefined;
      if (e.key === 'Tab' && plain) {
        e.preventDefault();
        this.leave(e.shiftKey ? -1 : 1);
        return false;
      }
      this.input('\x1b');
      // fall through: the key itself is handled as usual, after the Esc it followed
    }
    if (e.key === 'Escape' && plain && !e.shiftKey) {
      this.escapeHeld = window.setTimeout(() => {
        this.escapeHeld = undefined;
        this.input('\x1b');
      }, ESCAPE_GRACE_MS);
      return false;
    }
    return true;
  }

  /** Moves focus to the next (or previous) focusable element outside the terminal's screen. */
  private leave(direction: 1 | -1): void {
    const screen = this.host.querySelector<HTMLElement>('[data-screen]');
    if (!screen) return;
    const outside = tabbables().filter((el) => !screen.contains(el));
    const follows = (el: HTMLElement) => Boolean(screen.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    const target = direction === 1 ? outside.find(follows) : outside.filter((el) => !follows(el)).at(-1);
    if (target) target.focus();
    else this.term?.blur();
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
    const lab = this.host.dataset['lab'];
    if (!term || !lab || this.signedOut) return;
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
    // What was typed for the previous connection is not replayed into whatever shell answers now.
    this.inputQueue = [];
    this.inputInFlight = 0;

    ws.addEventListener('open', () => {
      this.sendInput();
      window.clearTimeout(this.attachTimer);
      this.attachTimer = window.setTimeout(() => {
        if (ws === this.ws) ws.close();
      }, ATTACH_TIMEOUT_MS);
    });
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
          window.clearTimeout(this.attachTimer);
          this.retry = 0;
          // The runner replays the whole screen next: start from a clean one.
          term.reset();
          this.host.dataset['pid'] = String(message.pid);
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
        case 'inputAck':
          this.inputInFlight = Math.max(0, this.inputInFlight - message.chars);
          this.sendInput();
          break;
        case 'notice':
          this.status(message.message, 'warn');
          break;
      }
    });

    ws.addEventListener('close', (event) => {
      if (ws !== this.ws) return;
      window.clearTimeout(this.attachTimer);
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
      void this.retryLater(lab);
    });
  }

  /**
   * Runner restarting, network blip, laptop waking up: retry with backoff, up to 10 s apart. A
   * refused upgrade looks the same as a dropped network here, so ask the runner first: a tab
   * signed in to an earlier run (the token changes on every start) must stop and say so.
   */
  private async retryLater(lab: string): Promise<void> {
    if (this.signedOut) return;
    if ((await probeRunner(`/api/labs/${encodeURIComponent(lab)}/session`)) === 'signed-out') {
      announceSignedOut();
      this.stopForSignOut();
      return;
    }
    if (this.signedOut || this.ws) return;
    const delay = Math.min(10_000, 500 * 2 ** this.retry++);
    this.status(`Disconnected. Retrying in ${Math.round(delay / 1000) || 1} s…`, 'warn');
    this.showReconnect('Reconnect now');
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  private stopForSignOut(): void {
    this.signedOut = true;
    window.clearTimeout(this.retryTimer);
    this.ws?.close();
    this.ws = null;
    this.status(SIGNED_OUT_MESSAGE, 'error');
    this.showReconnect('Try again');
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
