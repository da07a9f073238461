// What LDD3 does with scull by hand: fill scull0 with write() (each call stops
// at the end of a quantum, so the program loops), read it back, query and
// change the quantum with the ioctls, refill with the smaller quantum, and
// check that a second program sees the same bytes. Every one of these
// calls holds the device's semaphore inside the driver.

import { expect, major_of, mknod, printf, spawn, O_RDONLY, O_WRONLY } from "faultline/user";
import { _IO, _IOR, _IOW } from "linux/ioctl";

const SCULL_IOCRESET = _IO("k", 0), SCULL_IOCSQUANTUM = _IOW("k", 1, 4), SCULL_IOCGQUANTUM = _IOR("k", 5, 4), SCULL_IOCQQUANTUM = _IO("k", 7);

export default function scenario(): void {
  const major = major_of("scull");
  expect(major > 0, "scull registered a major");
  mknod("/dev/scull0", major, 0);
  const p = spawn("scull-test");
  const text = Array.from({ length: 200 }, (_, i) => `scull line ${String(i).padStart(3, "0")}: a quantum is kmalloc()ed on first write\n`).join("");
  const buf = p.malloc(text.length);
  p.write_bytes(buf, text);

  const fill = (): number => {
    const fd = p.open("/dev/scull0", O_WRONLY);
    expect(fd >= 0, `open O_WRONLY: errno ${p.errno}`);
    let done = 0, calls = 0;
    while (done < text.length) {
      const n = p.write(fd, buf + done, text.length - done);
      expect(n > 0, `write: errno ${p.errno}`);
      done += n;
      calls++;
    }
    p.close(fd);
    return calls;
  };
  const readAll = (proc = p): string => {
    const fd = proc.open("/dev/scull0", O_RDONLY);
    expect(fd >= 0, `open O_RDONLY: errno ${proc.errno}`);
    const out = proc.malloc(text.length + 100);
    let got = 0, calls = 0;
    for (;;) {
      const n = proc.read(fd, out + got, text.length + 100 - got);
      expect(n >= 0, `read: errno ${proc.errno}`);
      if (n === 0) break;
      got += n;
      calls++;
    }
    proc.close(fd);
    printf("  read %d bytes in %d read() call(s)\n", got, calls);
    return new TextDecoder().decode(proc.read_bytes(out, got));
  };

  printf("wrote %d bytes in %d write() call(s) with the default quantum\n", text.length, fill());
  expect(readAll() === text, "read back what was written");

  const fd = p.open("/dev/scull0", O_RDONLY);
  const q = p.malloc(4);
  expect(p.ioctl(fd, SCULL_IOCGQUANTUM, q) === 0, "SCULL_IOCGQUANTUM");
  printf("SCULL_IOCGQUANTUM: %d\n", p.peek32(q));
  p.poke32(q, 1000);
  expect(p.ioctl(fd, SCULL_IOCSQUANTUM, q) === 0, "SCULL_IOCSQUANTUM");
  printf("ioctl(0x%x) on scull: %d (errno %d: not a scull command)\n", 0x5401, p.ioctl(fd, 0x5401, 0), p.errno);
  p.close(fd);

  // Opening write-only trims the device; the new quantum applies from then on.
  printf("wrote %d bytes in %d write() call(s) with a 1000-byte quantum\n", text.length, fill());
  const fd2 = p.open("/dev/scull0", O_RDONLY);
  printf("SCULL_IOCQQUANTUM: %d\n", p.ioctl(fd2, SCULL_IOCQQUANTUM, 0));
  expect(p.ioctl(fd2, SCULL_IOCRESET, 0) === 0, "SCULL_IOCRESET");
  p.close(fd2);

  const other = spawn("scull-cat");
  expect(readAll(other) === text, "a second program reads the same bytes");
  other.exit(0);
  p.exit(0);
}
