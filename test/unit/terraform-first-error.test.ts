/**
 * Issue 12, item 2: a check's message quoting terraform's error was cut mid-sentence ("... please
 * wait for a minute or two and try"). The error is quoted whole, or cut only between sentences.
 */
import { describe, expect, it } from 'vitest';
import { cutAtSentence, firstError } from '../../src/checks/evidence/terraform-evidence.ts';

// tofu 1.12 and terraform 1.11 print this when the backend's bucket is gone (an emptied emulator).
const missingBucket = `
╷
│ Error: Failed to get existing workspaces: S3 bucket "dojo-state" does not exist.
│ 
│ The referenced S3 bucket must have been previously created. If the S3 bucket
│ was created within the last minute, please wait for a minute or two and try
│ again.
│ 
│ Error: operation error S3: ListObjectsV2, https response error StatusCode: 404, NoSuchBucket
╵
`;

describe('firstError', () => {
  it('quotes the first error with its whole paragraph, never cut mid-sentence', () => {
    const quoted = firstError(missingBucket);
    expect(quoted).toBe(
      'Error: Failed to get existing workspaces: S3 bucket "dojo-state" does not exist. The referenced S3 bucket must have been previously created. If the S3 bucket was created within the last minute, please wait for a minute or two and try again.',
    );
  });

  it('cuts a long error between sentences, or between words with an ellipsis', () => {
    const long = `Error: ${'First sentence here. '.repeat(30)}`;
    const cut = cutAtSentence(long, 100);
    expect(cut.length).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/here\.$/);
    expect(cutAtSentence('x'.repeat(20) + ' ' + 'y'.repeat(200), 100)).toBe(`${'x'.repeat(20)}…`);
    expect(cutAtSentence('short.', 100)).toBe('short.');
  });
});
