/**
 * Records a spoken answer with MediaRecorder. The audio stays in the page as a Blob until the
 * learner submits; the page then sends it to the local runner only (never anywhere else). The
 * microphone is released as soon as recording stops.
 */
import { RECORDING_MAX_BYTES } from '../../../shared/interview-api.ts';

/** What the runner accepts, in the order browsers support them (Chromium, Firefox, Safari). */
const TYPES = ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'];

export interface RecordedAnswer {
  blob: Blob;
  durationMs: number;
}

export class AnswerRecorder {
  #recorder: MediaRecorder | undefined;
  #stream: MediaStream | undefined;
  #chunks: Blob[] = [];
  #startedAt = 0;

  /** Why recording cannot work in this browser, or null when it can. */
  static unavailableReason(): string | null {
    if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) {
      return 'This browser cannot record audio here (MediaRecorder is missing). Answer by typing instead.';
    }
    if (!TYPES.some((t) => MediaRecorder.isTypeSupported(t))) {
      return `This browser records none of ${TYPES.join(', ')}. Answer by typing instead.`;
    }
    return null;
  }

  get recording(): boolean {
    return this.#recorder?.state === 'recording';
  }

  async start(): Promise<void> {
    const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
    try {
      this.#stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      const name = (err as DOMException).name;
      throw new Error(
        name === 'NotAllowedError'
          ? 'The browser did not allow the microphone. Allow it for this site (the icon in the address bar), or answer by typing.'
          : name === 'NotFoundError'
            ? 'No microphone was found. Connect one, or answer by typing.'
            : `The microphone could not be opened (${name}). Answer by typing instead.`,
        { cause: err },
      );
    }
    this.#chunks = [];
    this.#recorder = new MediaRecorder(this.#stream, {
      ...(mimeType ? { mimeType } : {}),
      // Speech needs little: 64 kbit/s keeps ten minutes near 5 MB, well under the upload limit.
      audioBitsPerSecond: 64_000,
    });
    this.#recorder.addEventListener('dataavailable', (e) => {
      if (e.data.size > 0) this.#chunks.push(e.data);
    });
    this.#recorder.start(1000);
    this.#startedAt = Date.now();
  }

  stop(): Promise<RecordedAnswer> {
    const recorder = this.#recorder;
    if (!recorder || recorder.state === 'inactive') return Promise.reject(new Error('not recording'));
    return new Promise((resolve, reject) => {
      recorder.addEventListener(
        'stop',
        () => {
          const durationMs = Date.now() - this.#startedAt;
          this.release();
          const blob = new Blob(this.#chunks, { type: recorder.mimeType || 'audio/webm' });
          if (blob.size > RECORDING_MAX_BYTES) {
            reject(new Error(`The recording is ${Math.round(blob.size / 1e6)} MB, over the limit: record a shorter answer.`));
          } else {
            resolve({ blob, durationMs });
          }
        },
        { once: true },
      );
      recorder.stop();
    });
  }

  /** Frees the microphone (also on leaving the page). */
  release(): void {
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = undefined;
  }
}
