/**
 * `<dojo-terminal data-lab="...">`, the element Terminal.astro renders, without xterm.js: xterm and
 * its addons are most of the lab page's JavaScript (about 340 KB raw), so they load only when the
 * terminal is opened. It opens when it becomes visible (beside the steps on a wide screen at once;
 * on a phone when the learner switches to it), or when something asks it to with the
 * `dojo:focus-terminal` event (the page's "Skip to the terminal" link), which also focuses it.
 */

/** Dispatch on the `<dojo-terminal>` element to open it (if needed) and focus its input. */
export const FOCUS_TERMINAL_EVENT = 'dojo:focus-terminal';

interface View {
  focus(): void;
  dispose(): void;
}

class DojoTerminalElement extends HTMLElement {
  private view: View | undefined;
  private opening: Promise<View | undefined> | undefined;
  private visibility: IntersectionObserver | undefined;
  private readonly onFocusRequest = () => void this.open().then((view) => view?.focus());

  connectedCallback(): void {
    this.addEventListener(FOCUS_TERMINAL_EVENT, this.onFocusRequest);
    if (this.view || this.opening) return;
    this.visibility = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void this.open();
    });
    this.visibility.observe(this);
  }

  disconnectedCallback(): void {
    this.removeEventListener(FOCUS_TERMINAL_EVENT, this.onFocusRequest);
    this.visibility?.disconnect();
    this.visibility = undefined;
    this.view?.dispose();
    this.view = undefined;
    this.opening = undefined;
  }

  /** Loads xterm (once) and starts the view; resolves to it, or undefined when loading failed. */
  open(): Promise<View | undefined> {
    this.visibility?.disconnect();
    this.opening ??= (async () => {
      this.status('Loading the terminal…');
      try {
        const { TerminalView } = await import('./terminal-client.ts');
        if (!this.isConnected) return undefined;
        this.view = new TerminalView(this);
        return this.view;
      } catch (err) {
        this.status(
          `The terminal could not load (${err instanceof Error ? err.message : String(err)}). Reload the page.`,
          'error',
        );
        this.opening = undefined;
        return undefined;
      }
    })();
    return this.opening;
  }

  private status(text: string, tone: 'ok' | 'error' = 'ok'): void {
    const el = this.querySelector<HTMLElement>('[data-status]');
    if (!el) return;
    el.textContent = text;
    el.dataset['tone'] = tone;
  }
}

if (!customElements.get('dojo-terminal')) customElements.define('dojo-terminal', DojoTerminalElement);
