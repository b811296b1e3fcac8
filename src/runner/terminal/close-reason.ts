/** A WebSocket close reason: RFC 6455 allows 123 bytes of UTF-8, and `ws` throws on longer ones. */
export function closeReason(text: string): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= 123) return text;
  let cut = 120;
  // Do not split a multi-byte character: back up to the start of one (continuation bytes are 10xxxxxx).
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return `${bytes.subarray(0, cut).toString()}...`;
}
