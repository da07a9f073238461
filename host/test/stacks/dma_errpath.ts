// A PCI driver whose probe fails after mapping its receive buffer, and whose
// error path unmaps it with the wrong size: dma-debug's DMA004 is raised in
// the error path and prints "Mapped at:" with the stack of the map, recorded
// in a helper long before the report.

import { DMA_BIT_MASK, DMA_FROM_DEVICE, dma_map_single, dma_mapping_error, dma_set_mask_and_coherent, dma_unmap_single } from "linux/dma-mapping";
import { ENOMEM } from "linux/errno";
import { GFP_KERNEL, __GFP_NOWARN } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { PCI_DEVICE, pci_disable_device, pci_enable_device, pci_register_driver, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver } from "linux/pci";
import { kfree, kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

const RX_SIZE = 4096;
let rx_buf = 0, rx_handle = 0, table = 0;

function rx_map(pdev: pci_dev): number {
  rx_buf = kmalloc(RX_SIZE, GFP_KERNEL);
  if (!rx_buf) return -ENOMEM;
  rx_handle = dma_map_single(pdev.dev, rx_buf, RX_SIZE, DMA_FROM_DEVICE);
  if (dma_mapping_error(pdev.dev, rx_handle)) { kfree(rx_buf); return -ENOMEM; }
  return 0;
}

function dmaerr_probe(pdev: pci_dev, _id: pci_device_id): number {
  let ret = pci_enable_device(pdev);
  if (ret) return ret;
  ret = dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(28)) || rx_map(pdev);
  if (ret) { pci_disable_device(pdev); return ret; }
  // Far past KMALLOC_MAX_SIZE: always NULL, so probe always takes its error path.
  table = kmalloc(64 << 20, GFP_KERNEL | __GFP_NOWARN);
  if (!table) {
    dma_unmap_single(pdev.dev, rx_handle, RX_SIZE / 2, DMA_FROM_DEVICE); // BUG: mapped RX_SIZE bytes
    kfree(rx_buf);
    pci_disable_device(pdev);
    return -ENOMEM;
  }
  return 0;
}

function dmaerr_remove(pdev: pci_dev): void {
  dma_unmap_single(pdev.dev, rx_handle, RX_SIZE, DMA_FROM_DEVICE);
  kfree(rx_buf);
  kfree(table);
  pci_disable_device(pdev);
}

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
const drv: pci_driver = { name: "dmaerr", id_table: ids, probe: dmaerr_probe, remove: dmaerr_remove };

module_init(() => pci_register_driver(drv));
module_exit(() => pci_unregister_driver(drv));
