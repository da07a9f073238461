// mydriver: a character device whose buffer user space can mmap (LDD3
// chapter 15, "remap_pfn_range"). The buffer comes from kmalloc(), is marked
// PG_reserved while it can be mapped, and the mmap handler checks the
// requested window against it: vm_pgoff and the length both come from user
// space.

import { PAGE_SIZE } from "asm/page";
import { EAGAIN, EFAULT, EINVAL, ENOMEM, ENOSPC } from "linux/errno";
import { fixed_size_llseek, type file, type file_operations, type Ref } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { virt_to_phys } from "linux/io";
import { misc_deregister, misc_register, MISC_DYNAMIC_MINOR, type miscdevice } from "linux/miscdevice";
import { ClearPageReserved, PFN_DOWN, remap_pfn_range, SetPageReserved, virt_to_page, type vm_area_struct } from "linux/mm";
import { MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { printk, snprintf, KERN_INFO } from "linux/printk";
import { kfree, kmalloc } from "linux/slab";
import { memset } from "linux/string";
import { copy_from_user, copy_to_user } from "linux/uaccess";

MODULE_LICENSE("GPL");

const NPAGES = 4;
const KMALLOC_AREA_SIZE = NPAGES * PAGE_SIZE;

/**
 * A kmalloc() this large comes straight from the page allocator, page-aligned
 * and physically contiguous, which is what remap_pfn_range() needs.
 */
let kmalloc_area = 0;

function mydriver_mmap(_filp: file, vma: vm_area_struct): number {
  const size = vma.vm_end - vma.vm_start;

  // Both numbers are the caller's: refuse any window that does not lie
  // inside the buffer, or the page tables would point at whatever follows it.
  if (vma.vm_pgoff >= NPAGES || size > KMALLOC_AREA_SIZE - vma.vm_pgoff * PAGE_SIZE) return -EINVAL;

  if (remap_pfn_range(vma, vma.vm_start, PFN_DOWN(virt_to_phys(kmalloc_area)) + vma.vm_pgoff, size, vma.vm_page_prot)) return -EAGAIN;
  return 0;
}

function mydriver_read(_filp: file, buf: number, count: number, ppos: Ref<number>): number {
  if (ppos.value >= KMALLOC_AREA_SIZE) return 0;
  count = Math.min(count, KMALLOC_AREA_SIZE - ppos.value);
  const left = copy_to_user(buf, kmalloc_area + ppos.value, count);
  if (left === count) return -EFAULT;
  ppos.value += count - left;
  return count - left;
}

function mydriver_write(_filp: file, buf: number, count: number, ppos: Ref<number>): number {
  if (ppos.value >= KMALLOC_AREA_SIZE) return -ENOSPC;
  count = Math.min(count, KMALLOC_AREA_SIZE - ppos.value);
  const left = copy_from_user(kmalloc_area + ppos.value, buf, count);
  if (left === count) return -EFAULT;
  ppos.value += count - left;
  return count - left;
}

function mydriver_llseek(filp: file, offset: number, whence: number): number {
  return fixed_size_llseek(filp, offset, whence, KMALLOC_AREA_SIZE);
}

const mydriver_fops: file_operations = {
  owner: THIS_MODULE,
  llseek: mydriver_llseek,
  read: mydriver_read,
  write: mydriver_write,
  mmap: mydriver_mmap,
};

const mydriver_dev: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "mydriver", fops: mydriver_fops };

function mydriver_init(): number {
  kmalloc_area = kmalloc(KMALLOC_AREA_SIZE, GFP_KERNEL);
  if (!kmalloc_area) return -ENOMEM;
  memset(kmalloc_area, 0, KMALLOC_AREA_SIZE);

  // The page allocator still considers these pages its own; PG_reserved tells
  // the rest of mm that they are the driver's and may sit in user page tables.
  for (let off = 0; off < KMALLOC_AREA_SIZE; off += PAGE_SIZE) SetPageReserved(virt_to_page(kmalloc_area + off));

  for (let i = 0; i < NPAGES; i++) snprintf(kmalloc_area + i * PAGE_SIZE, PAGE_SIZE, "mydriver: page %d of %d, written by the kernel\n", i, NPAGES);

  const ret = misc_register(mydriver_dev);
  if (ret) {
    mydriver_release_area();
    return ret;
  }
  printk(KERN_INFO + "mydriver: %d pages at %px, pfn %lx\n", NPAGES, kmalloc_area, PFN_DOWN(virt_to_phys(kmalloc_area)));
  return 0;
}

function mydriver_release_area(): void {
  // A reserved page handed back to the allocator is a bad page.
  for (let off = 0; off < KMALLOC_AREA_SIZE; off += PAGE_SIZE) ClearPageReserved(virt_to_page(kmalloc_area + off));
  kfree(kmalloc_area);
  kmalloc_area = 0;
}

function mydriver_exit(): void {
  misc_deregister(mydriver_dev);
  mydriver_release_area();
}

module_init(mydriver_init);
module_exit(mydriver_exit);
