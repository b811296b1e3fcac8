/**
 * The terminal's reusable frame buffers (frame-buffers.ts): a buffer goes back to the pool only
 * when released, so a frame still queued in the socket is never overwritten by the next.
 */
import { describe, expect, it } from 'vitest';
import { FRAME_BYTES, FrameBuffers } from '../../src/runner/terminal/frame-buffers.ts';

describe('FrameBuffers', () => {
  it('joins chunks back to back, and hands a buffer out again only after it was released', () => {
    const frames = new FrameBuffers();
    const first = frames.join([Buffer.from('ab'), Buffer.from('cde')], 5);
    expect(first.subarray(0, 5).toString()).toBe('abcde');
    // Not released yet: the next frame must get another buffer.
    const second = frames.join([Buffer.from('xyz')], 3);
    expect(second).not.toBe(first);
    expect(first.subarray(0, 5).toString()).toBe('abcde');
    frames.release(first);
    expect(frames.idle).toBe(1);
    const third = frames.join([Buffer.from('123')], 3);
    expect(third).toBe(first);
    expect(frames.idle).toBe(0);
  });

  it('gives a batch larger than a frame a buffer of its own, never pooled, and keeps at most four', () => {
    const frames = new FrameBuffers();
    const big = Buffer.alloc(FRAME_BYTES + 10, 1);
    const joined = frames.join([big], big.length);
    expect(joined.length).toBe(big.length);
    frames.release(joined);
    expect(frames.idle).toBe(0);
    const taken = Array.from({ length: 6 }, () => frames.join([Buffer.from('a')], 1));
    for (const b of taken) frames.release(b);
    expect(frames.idle).toBe(4);
  });
});
