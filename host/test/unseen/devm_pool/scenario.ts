// Three records written, read back by slot (the middle one first), and an empty slot.
import { errname, expect, expect_eq, printf, spawn, O_RDWR, SEEK_SET } from "faultline/user";

export default function scenario(): void {
  const p = spawn("recorder");
  const fd = p.open("/dev/devmpool", O_RDWR);
  expect(fd >= 0, "open");
  const recs = ["first record", "the second, a little longer " + "y".repeat(150), "third"];
  const buf = p.malloc(512);
  for (const r of recs) {
    p.write_string(buf, r);
    expect_eq(p.write(fd, buf, r.length), r.length, `write "${r.slice(0, 12)}"`);
  }
  for (const i of [1, 0, 2]) {
    expect_eq(p.lseek(fd, i * 256, SEEK_SET), i * 256, "seek");
    const n = p.read(fd, buf, 256);
    expect_eq(n, recs[i]!.length, `read slot ${i}`);
    expect_eq(new TextDecoder().decode(p.read_bytes(buf, n)), recs[i], `slot ${i} holds its record`);
  }
  expect_eq(p.lseek(fd, 5 * 256, SEEK_SET), 5 * 256, "seek");
  expect_eq(p.read(fd, buf, 256), -1, "an empty slot fails");
  expect_eq(errname(p.errno), "ENODATA", "with ENODATA");
  p.close(fd);
  printf("%d records through pool blocks\n", recs.length);
}
