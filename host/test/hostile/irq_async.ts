// Hostile driver: an edu device's interrupt handler written `async` (it
// awaits nothing, but returns a Promise). Tries: a Promise taken as
// IRQ_HANDLED. Expected: an oops in the irq handler saying it returned a
// Promise, placed at the handler's definition.

import { IRQ_HANDLED, free_irq, request_irq } from "linux/interrupt";
import { writel } from "linux/io";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { PCI_DEVICE, pci_disable_device, pci_enable_device, pci_iomap, pci_iounmap, pci_register_driver, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver } from "linux/pci";
import { pr_info } from "linux/printk";
import { completion, init_completion, wait_for_completion_timeout } from "linux/completion";

MODULE_LICENSE("GPL");

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
let bar = 0;

async function async_irq(_irq: number, _dev: unknown): Promise<number> { // HOSTILE: an async interrupt handler
  writel(1, bar + 0x64); // acknowledge
  return IRQ_HANDLED;
}

function hostile_probe(pdev: pci_dev, _id: pci_device_id): number {
  const ret = pci_enable_device(pdev);
  if (ret) return ret;
  bar = pci_iomap(pdev, 0, 0);
  const r = request_irq(pdev.irq, async_irq as unknown as (irq: number, dev: unknown) => number, 0, "irq_async", pdev);
  if (r) return r;
  pr_info("hostile: irq_async: raising irq %d\n", pdev.irq);
  writel(1, bar + 0x60);
  const never = new completion();
  init_completion(never);
  wait_for_completion_timeout(never, 10); // lets virtual time pass: the interrupt arrives
  pr_info("hostile: irq_async: probe done\n");
  return 0;
}

function hostile_remove(pdev: pci_dev): void {
  free_irq(pdev.irq, pdev);
  pci_iounmap(pdev, bar);
  pci_disable_device(pdev);
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
