// A program drawing on /dev/fbmap: it maps the whole of video memory, draws
// a frame (a border and a diagonal) through the mapping, presents it, and
// then checks what reached the card. Only the pages it touches are faulted
// in. It also asks for windows the driver must refuse: one starting past
// video memory and one running off its end.

import { device, expect, expect_eq, printf, spawn, MAP_FAILED, MAP_SHARED, O_RDWR, PROT_READ, PROT_WRITE } from "faultline/user";
import { _IO } from "linux/ioctl";

const FBMAP_PRESENT = _IO("F", 0);
const WIDTH = 640, HEIGHT = 400, STRIDE = WIDTH * 4, VRAM = 1 << 20;

export default function scenario(): void {
  const p = spawn("fbdraw");
  const fd = p.open("/dev/fbmap", O_RDWR);
  expect(fd >= 0, `open /dev/fbmap: errno ${p.errno}`);

  const fbp = p.mmap(0, VRAM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  expect(fbp !== MAP_FAILED, `mmap: errno ${p.errno}`);
  printf("video memory mapped at %lx, %d KiB\n", fbp, VRAM >> 10);

  const RED = 0x00ff0000, GREEN = 0x0000ff00, BLUE = 0x000000ff;
  for (let x = 0; x < WIDTH; x++) { p.poke32(fbp + x * 4, RED); p.poke32(fbp + (HEIGHT - 1) * STRIDE + x * 4, RED); }
  for (let y = 0; y < HEIGHT; y++) { p.poke32(fbp + y * STRIDE, GREEN); p.poke32(fbp + y * STRIDE + (WIDTH - 1) * 4, GREEN); }
  for (let i = 1; i < HEIGHT - 1; i++) p.poke32(fbp + i * STRIDE + i * 4, BLUE);
  const frames = p.ioctl(fd, FBMAP_PRESENT, 0);
  printf("FBMAP_PRESENT = %d (frames presented)\n", frames);
  expect_eq(frames, 1, "one frame presented");

  const card = device("fb") as unknown as { pixel(x: number, y: number): number };
  printf("the card shows: (0,0)=%06x (320,0)=%06x (0,200)=%06x (200,200)=%06x (639,399)=%06x (320,200)=%06x\n",
    card.pixel(0, 0), card.pixel(320, 0), card.pixel(0, 200), card.pixel(200, 200), card.pixel(639, 399), card.pixel(320, 200));
  expect(card.pixel(320, 0) === RED && card.pixel(200, 200) === BLUE && card.pixel(639, 200) === GREEN, "the pixels reached the card");
  expect_eq(p.peek32(fbp + 200 * STRIDE + 200 * 4), BLUE, "reading back through the mapping");

  printf("mmap past the end of video memory = %d (errno %d)\n", p.mmap(0, 4096, PROT_READ, MAP_SHARED, fd, VRAM), p.errno);
  printf("mmap running off its end = %d (errno %d)\n", p.mmap(0, 2 * 4096, PROT_READ, MAP_SHARED, fd, VRAM - 4096), p.errno);
  p.close(fd);
}
