// <asm/dma.h>: the ISA DMA controller (8237), as LDD3 chapter 15 programs
// it. Claim a channel with request_dma(), then, holding the DMA lock:
//
//   const flags = claim_dma_lock();
//   disable_dma(chan);
//   clear_dma_ff(chan);
//   set_dma_mode(chan, DMA_MODE_READ);     // device → memory
//   set_dma_addr(chan, virt_to_phys(buf)); // a physical address below 16 MiB
//   set_dma_count(chan, count);
//   enable_dma(chan);
//   release_dma_lock(flags);
//
// The controller only has 24 address bits and its address counter wraps at
// 64 KiB (128 KiB on channels 5-7): an address above 16 MiB is DMA018, a
// transfer crossing the boundary is warned about, and enable_dma() does
// not arm either (see dev/isa_dma.ts). Buffers come from GFP_DMA memory.

import { DMA_AUTOINIT, DMA_MODE_CASCADE, DMA_MODE_READ, DMA_MODE_WRITE, ISA_DMA_LIMIT, MAX_DMA_CHANNELS } from "../../dev/isa_dma";
import { currentKernel, intArg } from "../current";
import { DEFINE_SPINLOCK, spin_is_locked, spin_lock_irqsave, spin_unlock_irqrestore, type spinlock_t } from "../linux/spinlock";

export { DMA_AUTOINIT, DMA_MODE_CASCADE, DMA_MODE_READ, DMA_MODE_WRITE, MAX_DMA_CHANNELS };
/** The physical limit of ISA DMA (MAX_DMA_ADDRESS is its direct-map address: PAGE_OFFSET + this). */
export const MAX_DMA_PFN = ISA_DMA_LIMIT / 4096;
/**
 * ```c
 * #define ISA_DMA_THRESHOLD (0x00ffffff)
 * ```
 * The highest physical address the ISA DMA controller reaches (16 MiB - 1): buffers above it need GFP_DMA.
 *
 * Rules: DMA018 (DMA mask missing or not honoured).
 */
export const ISA_DMA_THRESHOLD = ISA_DMA_LIMIT - 1;

const isa = () => currentKernel().devices.isaDma;

/**
 * ```c
 * int request_dma(unsigned int dmanr, const char *device_id)
 * ```
 * request_dma(): 0, -EBUSY when the channel is taken (4 always is: the cascade), -EINVAL for no such channel.
 */
export function request_dma(dmanr: number, device_id: string): number {
  return isa().request(intArg("request_dma", 1, dmanr), String(device_id));
}

/**
 * ```c
 * void free_dma(unsigned int dmanr)
 * ```
 * free_dma(): "Trying to free free DMA<n>" when it was not requested.
 */
export function free_dma(dmanr: number): void {
  isa().free(intArg("free_dma", 1, dmanr));
}

/** kernel/dma.c's DEFINE_SPINLOCK(dma_spin_lock), one per simulated kernel. */
const dmaSpinLocks = new WeakMap<object, spinlock_t>();
function dmaSpinLock(): spinlock_t {
  const k = currentKernel();
  let l = dmaSpinLocks.get(k);
  if (!l) dmaSpinLocks.set(k, (l = DEFINE_SPINLOCK("dma_spin_lock")));
  return l;
}

/**
 * ```c
 * unsigned long claim_dma_lock(void)
 * ```
 * unsigned long claim_dma_lock(void): spin_lock_irqsave(&dma_spin_lock) —
 * interrupts are off until release_dma_lock(), so nothing that sleeps may
 * run in between (CTX001) and an interrupt raised meanwhile waits for the
 * release. Returns the flags for release_dma_lock().
 *
 * Rules: CTX001 (sleeping in atomic context).
 */
export function claim_dma_lock(): number {
  const c = isa();
  const flags = spin_lock_irqsave(dmaSpinLock());
  c.lockDepth++;
  return flags;
}

/**
 * ```c
 * void release_dma_lock(unsigned long flags)
 * ```
 * void release_dma_lock(unsigned long flags): spin_unlock_irqrestore(&dma_spin_lock, flags).
 */
export function release_dma_lock(flags: number): void {
  const c = isa();
  if (spin_is_locked(dmaSpinLock())) c.lockDepth = Math.max(0, c.lockDepth - 1);
  spin_unlock_irqrestore(dmaSpinLock(), flags);
}

/**
 * ```c
 * void set_dma_mode(unsigned int dmanr, char mode)
 * ```
 * Programs the channel's mode register: DMA_MODE_READ (device to memory), DMA_MODE_WRITE (memory to device), DMA_MODE_CASCADE, optionally | DMA_AUTOINIT. Call under claim_dma_lock().
 */
export function set_dma_mode(dmanr: number, mode: number): void {
  isa().setMode(intArg("set_dma_mode", 1, dmanr), intArg("set_dma_mode", 2, mode));
}

/**
 * ```c
 * void set_dma_addr(unsigned int dmanr, unsigned int a)
 * ```
 * set_dma_addr(): a physical (bus) address; the controller keeps 24 bits.
 *
 * Rules: DMA018 (DMA mask missing or not honoured).
 */
export function set_dma_addr(dmanr: number, a: number): void {
  isa().setAddr(intArg("set_dma_addr", 1, dmanr), intArg("set_dma_addr", 2, a));
}

/**
 * ```c
 * void set_dma_page(unsigned int dmanr, char pagenr)
 * ```
 * set_dma_page(): the page register alone (address bits 16-23).
 */
export function set_dma_page(dmanr: number, pagenr: number): void {
  const c = isa(), nr = intArg("set_dma_page", 1, dmanr);
  const ch = c.channels[nr];
  if (ch) c.setAddr(nr, (intArg("set_dma_page", 2, pagenr) & 0xff) * 0x10000 + (ch.addr & 0xffff));
}

/**
 * ```c
 * void set_dma_count(unsigned int dmanr, unsigned int count)
 * ```
 * set_dma_count(): bytes (even on the 16-bit channels 5-7).
 */
export function set_dma_count(dmanr: number, count: number): void {
  isa().setCount(intArg("set_dma_count", 1, dmanr), intArg("set_dma_count", 2, count));
}

/**
 * ```c
 * void enable_dma(unsigned int dmanr)
 * ```
 * Unmasks the channel: the transfer programmed with set_dma_mode(), set_dma_addr() and set_dma_count() starts when the device requests it.
 */
export function enable_dma(dmanr: number): void { isa().enable(intArg("enable_dma", 1, dmanr)); }
/**
 * ```c
 * void disable_dma(unsigned int dmanr)
 * ```
 * Masks the channel so it does not transfer; do this before reprogramming it.
 */
export function disable_dma(dmanr: number): void { isa().disable(intArg("disable_dma", 1, dmanr)); }

/**
 * ```c
 * void clear_dma_ff(unsigned int dmanr)
 * ```
 * clear_dma_ff(): resets the controller's byte flip-flop; nothing to model.
 */
export function clear_dma_ff(dmanr: number): void { intArg("clear_dma_ff", 1, dmanr); }

/**
 * ```c
 * int get_dma_residue(unsigned int dmanr)
 * ```
 * get_dma_residue(): bytes still to move; 0 once the transfer is done.
 */
export function get_dma_residue(dmanr: number): number { return isa().residue(intArg("get_dma_residue", 1, dmanr)); }
