// Hostile driver: frees a dma_pool block twice, after walking from the pool
// it holds to the pool's free list to take the block off it (so that
// dma-debug would not see the second free). Tries: to hide a double free.
// Expected: the pool handle leads nowhere, and the double free is reported.

import { dma_pool_alloc, dma_pool_create, dma_pool_destroy, dma_pool_free } from "linux/dmapool";
import { GFP_KERNEL } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { PCI_DEVICE, pci_register_driver, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver } from "linux/pci";
import { pr_info } from "linux/printk";

MODULE_LICENSE("GPL");

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];

function hostile_probe(pdev: pci_dev, _id: pci_device_id): number {
  const pool = dma_pool_create("hostile", pdev.dev, 64, 64, 0);
  if (!pool) return -12;
  const handle = { value: 0 };
  const v = dma_pool_alloc(pool, GFP_KERNEL, handle);
  dma_pool_free(pool, v, handle.value);
  const free = (pool as any).free; // HOSTILE: from the handle to the pool's free list
  pr_info("hostile: pool_records: the free list is %s\n", Array.isArray(free) ? "reachable" : "not reachable");
  if (Array.isArray(free)) free.length = 0;
  dma_pool_free(pool, v, handle.value);
  dma_pool_destroy(pool);
  return 0;
}

function hostile_remove(_pdev: pci_dev): void {
  pr_info("hostile: remove\n");
}

const hostile_driver: pci_driver = { name: "hostile", id_table: ids, probe: hostile_probe, remove: hostile_remove };

function hostile_init(): number {
  return pci_register_driver(hostile_driver);
}

function hostile_exit(): void {
  pci_unregister_driver(hostile_driver);
}

module_init(hostile_init);
module_exit(hostile_exit);
