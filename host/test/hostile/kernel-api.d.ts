// The host project (host/tsconfig.json) compiles everything under host/test,
// these hostile drivers included, but it has no paths for the kernel API's
// headers. Pattern declarations are only a fallback (a module that resolves
// wins over them): here they give the names the drivers import loose types,
// while host/test/hostile/tsconfig.json, which maps linux/*, asm/* and
// faultline/* onto sim-core as samples/tsconfig.json does, type-checks the
// drivers for real: `npx tsc -p host/test/hostile`. A driver importing a new
// name needs it added here.

declare module "linux/*" {
  export type file = any;
  export type file_operations = any;
  export type Ref<T> = { value: T };
  export type miscdevice = any;
  export type vm_area_struct = any;
  export type vm_fault = any;
  export type vm_operations_struct = any;
  export function alloc_page(gfp_mask: number): any;
  export type pci_dev = any;
  export type pci_device_id = any;
  export type pci_driver = any;
  export const GFP_KERNEL: number;
  export const MISC_DYNAMIC_MINOR: number;
  export const THIS_MODULE: any;
  export function MODULE_LICENSE(l: string): void;
  export function module_init(fn: () => number): void;
  export function module_exit(fn: () => void): void;
  export function pr_info(fmt: string, ...args: unknown[]): void;
  export function kmalloc(size: number, flags: number): number;
  export function kfree(p: number): void;
  export type kmem_cache = { readonly name: string };
  export function kmem_cache_create(name: string, size: number, align: number, flags: number): kmem_cache | null;
  export function kmem_cache_alloc(c: kmem_cache, flags: number): number;
  export type dma_pool = { readonly name: string };
  export function dma_pool_create(name: string, dev: any, size: number, align: number, boundary: number): dma_pool | null;
  export function dma_pool_alloc(pool: dma_pool, flags: number, handle: { value: number }): number;
  export function dma_pool_free(pool: dma_pool, vaddr: number, dma: number): void;
  export function dma_pool_destroy(pool: dma_pool | null): void;
  export function misc_register(misc: any): number;
  export function misc_deregister(misc: any): void;
  export function PCI_DEVICE(vendor: number, device: number): any;
  export function pci_register_driver(drv: any): number;
  export function pci_unregister_driver(drv: any): void;
  export function pci_enable_device(pdev: any): number;
  export function pci_iomap(pdev: any, bar: number, max: number): number;
  export function pci_iounmap(pdev: any, addr: number): void;
  export function pci_disable_device(pdev: any): void;
  export const IRQ_HANDLED: number;
  export const IRQ_NONE: number;
  export function request_irq(irq: number, handler: (irq: number, dev: unknown) => number, flags: number, name: string, dev: unknown): number;
  export function free_irq(irq: number, dev: unknown): void;
  export function writel(v: number, addr: number): void;
  export class completion {}
  export function init_completion(x: completion): void;
  export function wait_for_completion_timeout(x: completion, timeout: number): number;
}

declare module "faultline/*" {
  export const MAP_FAILED: number;
  export const MAP_SHARED: number;
  export const O_RDWR: number;
  export const PROT_READ: number;
  export function printf(fmt: string, ...args: unknown[]): void;
  export function spawn(comm: string): any;
}
