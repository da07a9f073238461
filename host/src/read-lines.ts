// The parent's line reader for a host's message channel (and the debug
// relay's): linear in what arrives, bounded in what it holds.

/**
 * Lines from a stream, one callback each, in time linear in what arrives:
 * each chunk is searched once, a partial line is kept as a list of pieces,
 * and a line longer than `max` is dropped (onTooLong says so) instead of
 * being held.
 */
export function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void, max = Infinity, onTooLong?: (length: number) => void): void {
  let pieces: string[] = [];
  let held = 0;
  let dropping = false;
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    let from = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", from)) {
      const tail = chunk.slice(from, nl);
      if (!dropping && held + tail.length <= max) {
        pieces.push(tail);
        onLine(pieces.length === 1 ? pieces[0] : pieces.join(""));
      } else onTooLong?.(held + tail.length);
      pieces = [];
      held = 0;
      dropping = false;
      from = nl + 1;
    }
    const rest = chunk.slice(from);
    if (!rest) return;
    if (dropping) { held += rest.length; return; }
    if (held + rest.length > max) {
      dropping = true;
      pieces = [];
      held += rest.length;
      return;
    }
    pieces.push(rest);
    held += rest.length;
  });
}
