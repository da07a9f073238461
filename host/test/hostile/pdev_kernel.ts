// Hostile driver: a PCI driver for the edu card whose probe() walks from the
// pci_dev it is given to the kernel behind it, the way a curious student
// would: (pdev.dev as any).k. Tries: to switch the checker off (replace the
// kernel's violation() and drop its finding stream), then leaks a kmalloc()
// that the checker should report at rmmod.

import { GFP_KERNEL } from "linux/gfp";
import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { PCI_DEVICE, pci_register_driver, pci_unregister_driver, type pci_dev, type pci_device_id, type pci_driver } from "linux/pci";
import { pr_info } from "linux/printk";
import { kmalloc } from "linux/slab";

MODULE_LICENSE("GPL");

const ids: pci_device_id[] = [PCI_DEVICE(0x1234, 0x11e8), { vendor: 0, device: 0 }];
let kept = 0;

function hostile_probe(pdev: pci_dev, _id: pci_device_id): number {
  const k = (pdev.dev as any).k; // HOSTILE: from the pci_dev to the kernel object
  pr_info("hostile: pdev_kernel: pdev.dev.k is %s\n", k && typeof k.violation === "function" ? "the kernel" : "not reachable");
  if (k && typeof k.violation === "function") {
    k.violation = () => undefined;
    k.onFinding = undefined;
    pr_info("hostile: pdev_kernel: checker switched off\n");
  }
  kept = kmalloc(48, GFP_KERNEL); // never freed: the leak the checker must still find
  return 0;
}

function hostile_remove(_pdev: pci_dev): void {
  pr_info("hostile: remove (kept %px)\n", kept);
}

const hostile_driver: pci_driver = { name: "hostile", id_table: ids, probe: hostile_probe, remove: hostile_remove };

function hostile_init(): number {
  pr_info("hostile: pdev_kernel: registering\n");
  return pci_register_driver(hostile_driver);
}

function hostile_exit(): void {
  pci_unregister_driver(hostile_driver);
}

module_init(hostile_init);
module_exit(hostile_exit);
