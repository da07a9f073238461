// What one would do with scullp by hand: fill the device with write(), map
// it, read the text back through the mapping, fork, touch the page past the
// data, try to truncate the device while it is mapped, unmap.

import {
  cat, expect, expect_eq, major_of, mknod, printf, spawn, MAP_FAILED, MAP_SHARED, O_RDONLY, O_WRONLY, PROT_READ,
  BUS_ADRERR, SEEK_END, SEEK_SET, SIGBUS, SIGSEGV, type Process, type SigInfo,
} from "faultline/user";

const PAGE = 4096;
const NODE = "/dev/scullp0";
/** 150 lines of 64 bytes: 9600 bytes, two full pages and part of a third. */
const LINES = 150, LINE = 64;

function line(i: number): string {
  const s = `scullp line ${String(i).padStart(3, "0")}: the quick brown fox jumps over the lazy dog`;
  return s.slice(0, LINE - 1).padEnd(LINE - 1, ".") + "\n";
}

/** The line starting at addr, as the process sees it. */
function lineAt(p: Process, addr: number): string {
  return new TextDecoder().decode(p.read_bytes(addr, LINE - 1));
}

function signal(s: SigInfo | undefined): string {
  if (!s) return "no signal";
  const name = s.signo === SIGBUS ? "SIGBUS" : s.signo === SIGSEGV ? "SIGSEGV" : `signal ${s.signo}`;
  const code = s.signo === SIGBUS && s.code === BUS_ADRERR ? "BUS_ADRERR" : `si_code ${s.code}`;
  return `${name} (${code}) at ${s.addr.toString(16)}`;
}

export default function scenario(): void {
  const major = major_of("scullp");
  expect(major > 0, "scullp registered a major");
  mknod(NODE, major, 0);
  const p = spawn("scullp-test");

  const text = Array.from({ length: LINES }, (_, i) => line(i)).join("");
  const len = text.length;
  const buf = p.malloc(len);
  p.write_bytes(buf, text);

  // Opening write-only trims the device; write() stops at the end of each
  // quantum, so a program loops as it would for a pipe.
  let fd = p.open(NODE, O_WRONLY);
  expect(fd >= 0, `open ${NODE} O_WRONLY: errno ${p.errno}`);
  let done = 0, calls = 0;
  while (done < len) {
    const n = p.write(fd, buf + done, len - done);
    expect(n > 0, `write: errno ${p.errno}`);
    done += n;
    calls++;
  }
  printf("wrote %d bytes in %d write() call(s)\n", done, calls);
  p.close(fd);

  fd = p.open(NODE, O_RDONLY);
  expect(fd >= 0, `open ${NODE} O_RDONLY: errno ${p.errno}`);
  printf("lseek(SEEK_END): the device holds %d bytes\n", p.lseek(fd, 0, SEEK_END));
  p.lseek(fd, 0, SEEK_SET);

  // One page more than the data, to have somewhere to take a SIGBUS.
  const maplen = 4 * PAGE;
  const addr = p.mmap(0, maplen, PROT_READ, MAP_SHARED, fd, 0);
  expect(addr !== MAP_FAILED, `mmap ${NODE}: errno ${p.errno}`);
  printf("mapped %d bytes at %lx\n", maplen, addr);
  printf("page 0: %s\n", lineAt(p, addr));
  printf("page 1: %s\n", lineAt(p, addr + PAGE));
  expect_eq(new TextDecoder().decode(p.read_bytes(addr, len)), text, "the mapping shows what write() stored");
  printf("the first %d bytes of the mapping match what was written\n", len);
  printf("%s", cat(`/proc/${p.pid}/maps`));

  const child = p.fork();
  printf("child %d, page 2: %s\n", child.pid, lineAt(child, addr + 2 * PAGE));
  child.exit(0);

  // Page 3 lies past the end of the data.
  printf("touching page 3: %s\n", signal(p.catchSignal(() => p.peek8(addr + 3 * PAGE))));

  // Truncating is refused while the pages are mapped (the open succeeds).
  const wfd = p.open(NODE, O_WRONLY);
  expect(wfd >= 0, `second open O_WRONLY: errno ${p.errno}`);
  p.close(wfd);
  printf("after a write-only open while mapped: lseek(SEEK_END) = %d, page 0: %s\n", p.lseek(fd, 0, SEEK_END), lineAt(p, addr));

  expect_eq(p.munmap(addr, maplen), 0, "munmap");
  p.close(fd);
}
