// Map rows 100.. of the screen through an offset window and draw a line.
import { device, expect, expect_eq, printf, spawn, MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE } from "faultline/user";

export default function scenario(): void {
  const card = device("fb") as unknown as { pixel(x: number, y: number): number };
  const p = spawn("fbwin-draw");
  const fd = p.open("/dev/fbwin", O_RDWR);
  expect(fd >= 0, "open");
  const rowsAt = 100 * 2560; // 62.5 pages: start the window at page 62
  const pg = Math.floor(rowsAt / 4096);
  const win = p.mmap(0, 16 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pg * 4096);
  expect(win > 0, `mmap: errno ${p.errno}`);
  const y0 = Math.ceil(pg * 4096 / 2560);
  for (let x = 0; x < 640; x++) p.poke32(win + (y0 * 2560 - pg * 4096) + x * 4, 0x00ffff00);
  expect_eq(card.pixel(320, y0), 0x00ffff00, "the line is on the card");
  expect_eq(p.mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 1 << 20), -1, "a window past video memory");
  printf("line drawn on row %d through a window at page %d\n", y0, pg);
  p.close(fd);
}
