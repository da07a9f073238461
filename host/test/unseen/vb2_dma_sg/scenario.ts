// Two buffers mapped, a frame captured into each (the card's frame memory
// changed in between), dequeued and read through the mappings; one mapping
// outlives the close and is unmapped last.
import { device, expect, expect_eq, printf, spawn, MAP_SHARED, O_RDWR, PROT_READ } from "faultline/user";

const QBUF = 0x5301, DQBUF = 0x5302, SIZE = 2 * 4096;

export default function scenario(): void {
  const card = device("edu") as unknown as { buffer: Uint8Array };
  const p = spawn("capture");
  const fd = p.open("/dev/sgcap", O_RDWR);
  expect(fd >= 0, "open");
  const maps = [0, 1].map((i) => p.mmap(0, SIZE, PROT_READ, MAP_SHARED, fd, i * 4096));
  expect(maps.every((m) => m > 0), `mmap: errno ${p.errno}`);
  expect_eq(p.mmap(0, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0), -1, "longer than a buffer");
  for (const i of [0, 1]) {
    const used = 100 + i * 50;
    const hdr = new DataView(card.buffer.buffer, card.buffer.byteOffset);
    hdr.setUint32(0, 0x56423253, true);
    hdr.setUint32(4, used, true);
    for (let b = 8; b < 4096; b++) card.buffer[b] = (b * (i + 3)) & 0xff;
    expect_eq(p.ioctl(fd, QBUF, i), 0, `queue buffer ${i}`);
    expect_eq(p.ioctl(fd, DQBUF, i), used, `dequeue buffer ${i}: the frame's length`);
    expect_eq(p.peek32(maps[i]! + 4), used, "the mapping shows the frame");
    expect_eq(p.peek32(maps[i]! + 4096 + 4), used, "the second page too (the card fills every 4 KiB)");
  }
  expect_eq(p.ioctl(fd, DQBUF, 0), -1, "nothing queued");
  p.munmap(maps[0]!, SIZE);
  p.close(fd);
  p.munmap(maps[1]!, SIZE);
  printf("two frames captured through videobuf2-dma-sg style buffers\n");
}
