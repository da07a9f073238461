// A framebuffer: video memory in a BAR that the CPU (ioremap(), or a user
// mapping made with io_remap_pfn_range()) writes pixels into, and a few
// control registers. PCI 1234:fb00, class 0x030000 (VGA-compatible).
//
// BAR0: 1 MiB of video memory, prefetchable, plain memory: 640×400 pixels,
//       32 bits each (0x00RRGGBB), 2560 bytes a line, starting at offset 0.
// BAR1: 4 KiB of 32-bit registers:
//   0x00 RO  ID 0x46420001
//   0x04 RO  WIDTH (640)   0x08 RO HEIGHT (400)   0x0c RO BPP (32)   0x10 RO STRIDE (2560)
//   0x14 RW  CTRL: bit 0 display enabled
//   0x18 WO  FLUSH: any write counts a presented frame (FRAMES)
//   0x1c RO  FRAMES presented

import type { DeviceConfig } from "../device";
import type { IoWidth } from "../../mm/iomem";
import { DeviceModel, u32 } from "./model";

export const FB_VENDOR = 0x1234, FB_DEVICE = 0xfb00, FB_ID = 0x46420001;
export const FB_WIDTH = 640, FB_HEIGHT = 400, FB_BPP = 32, FB_STRIDE = FB_WIDTH * 4, FB_VRAM_SIZE = 1 << 20;
export const FB_REG = { ID: 0x00, WIDTH: 0x04, HEIGHT: 0x08, BPP: 0x0c, STRIDE: 0x10, CTRL: 0x14, FLUSH: 0x18, FRAMES: 0x1c } as const;

export class FbModel extends DeviceModel {
  readonly kind = "fb";
  override readonly classCode = 0x030000;
  private ctrl = 0;
  frames = 0;

  config(): DeviceConfig {
    return {
      name: "fb",
      vendor: FB_VENDOR,
      device: FB_DEVICE,
      bars: [
        { size: FB_VRAM_SIZE },
        { size: 4096, handlers: { read: (off, w) => this.read(off, w), write: (off, w, v) => this.write(off, w, v) } },
      ],
      irq: false,
    };
  }

  override reset(): void { this.ctrl = 0; }

  get enabled(): boolean { return (this.ctrl & 1) !== 0; }

  /** Video memory as the card holds it. */
  get vram(): Uint8Array { return this.dev.bars[0].bytes; }

  /** The pixel at (x, y), 0x00RRGGBB. */
  pixel(x: number, y: number): number {
    const o = y * FB_STRIDE + x * 4, b = this.vram;
    return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  }

  /** A copy of the visible frame, one 32-bit pixel per element, row by row. */
  pixels(): Uint32Array {
    const out = new Uint32Array(FB_WIDTH * FB_HEIGHT);
    for (let y = 0; y < FB_HEIGHT; y++) for (let x = 0; x < FB_WIDTH; x++) out[y * FB_WIDTH + x] = this.pixel(x, y);
    return out;
  }

  private read(off: number, width: IoWidth): number {
    if (width !== 4) return 0xffffffff;
    switch (off) {
      case FB_REG.ID: return FB_ID;
      case FB_REG.WIDTH: return FB_WIDTH;
      case FB_REG.HEIGHT: return FB_HEIGHT;
      case FB_REG.BPP: return FB_BPP;
      case FB_REG.STRIDE: return FB_STRIDE;
      case FB_REG.CTRL: return this.ctrl;
      case FB_REG.FRAMES: return this.frames;
      default: return 0;
    }
  }

  private write(off: number, width: IoWidth, value: number | bigint): boolean {
    if (width !== 4) return true;
    if (off === FB_REG.CTRL) this.ctrl = u32(value) & 1;
    else if (off === FB_REG.FLUSH) this.frames++;
    return true;
  }
}
