// Notes written while the timer ticks, read back through a read-only shared mapping; a window past the log's end is refused.
import { MAP_FAILED, MAP_SHARED, O_RDWR, PROT_READ, errname, expect, expect_eq, printf, run_pending, spawn } from "faultline/user";

export default function scenario(): void {
  const p = spawn("logger");
  const fd = p.open("/dev/ticklog", O_RDWR);
  expect(fd >= 0, "open");
  const buf = p.malloc(64);
  const notes = ["boot", "first note", "second note, longer"];
  for (const n of notes) {
    p.write_string(buf, n);
    expect_eq(p.write(fd, buf, n.length), n.length, `write "${n}"`);
    run_pending();
  }
  const map = p.mmap(0, 8192, PROT_READ, MAP_SHARED, fd, 0);
  expect(map !== MAP_FAILED, `mmap: ${errname(p.errno)}`);
  const count = p.peek32(map);
  let seen = 0, tickEntries = 0;
  for (let i = 0; i < count; i++) {
    const e = map + 64 + i * 32, kind = p.peek32(e);
    if (kind === 1) tickEntries++;
    else if (kind === 2) {
      const len = p.peek32(e + 4);
      expect_eq(new TextDecoder().decode(p.read_bytes(e + 8, len)), notes[seen], `note ${seen}`);
      seen++;
    }
  }
  expect_eq(seen, notes.length, "every note is in the log");
  expect(tickEntries > 0, "the timer ticked");
  printf("%d entries: %d notes, %d ticks\n", count, seen, tickEntries);
  expect_eq(p.mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 2 * 4096), MAP_FAILED, "a window past the end");
  expect_eq(errname(p.errno), "EINVAL", "is -EINVAL");
  p.munmap(map, 8192);
  p.close(fd);
}
