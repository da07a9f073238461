// The names these drivers import beyond host/test/hostile/kernel-api.d.ts's
// (the host project compiles every .ts under host/test; the pattern
// declarations merge).

declare module "linux/*" {
  export const ENOMEM: number;
  export const __GFP_NOWARN: number;
  export type page = any;
  export function alloc_pages(gfp_mask: number, order: number): any;
  export function __free_pages(page: any, order: number): void;
  export function nth_page(page: any, n: number): any;
  export function SetPageReserved(page: any): void;
  export const DMA_FROM_DEVICE: number;
  export function DMA_BIT_MASK(n: number): bigint;
  export function dma_set_mask_and_coherent(dev: any, mask: bigint): number;
  export function dma_map_single(dev: any, ptr: number, size: number, dir: number): number;
  export function dma_mapping_error(dev: any, addr: number): number;
  export function dma_unmap_single(dev: any, addr: number, size: number, dir: number): void;
}
