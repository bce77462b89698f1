// The parser reports positions as UTF-8 byte offsets; JavaScript strings are indexed in UTF-16 code
// units. One mapping, built once per text, turns the first into the second.

/** A function from a byte offset of `text`'s UTF-8 encoding to the string index where that byte's character starts. */
export function byteToIndex(text: string): (byteOffset: number) => number {
  const indexAt: number[] = [];
  let index = 0;
  for (const ch of text) {
    const bytes = Buffer.byteLength(ch);
    for (let b = 0; b < bytes; b++) indexAt.push(index);
    index += ch.length;
  }
  indexAt.push(index);
  return (byteOffset) => indexAt[Math.max(0, Math.min(byteOffset, indexAt.length - 1))] ?? index;
}
