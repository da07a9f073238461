// A page store that lives in high memory on i386: its pages have no kernel
// address of their own, so every access goes through a temporary mapping.
// read()/write() use kmap() (they may sleep in copy_*_user); the "dup" ioctl
// copies one page to another with two kmap_local_page() mappings, nested and
// released in reverse order.

import { ENOMEM, EFAULT, EINVAL, ENOTTY, ENOSPC } from "linux/errno";
import { fixed_size_llseek, type file, type file_operations, type Ref } from "linux/fs";
import { GFP_HIGHUSER, alloc_page, __free_page } from "linux/gfp";
import { clear_highpage, kmap, kmap_local_page, kunmap, kunmap_local } from "linux/highmem";
import { _IOW } from "linux/ioctl";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { PAGE_SIZE, PageHighMem, type page } from "linux/mm";
import { MODULE_LICENSE, THIS_MODULE, module_exit, module_init } from "linux/module";
import { mutex_init, mutex_lock_interruptible, mutex_unlock, mutex } from "linux/mutex";
import { pr_info } from "linux/printk";
import { memcpy } from "linux/string";
import { copy_from_user, copy_to_user } from "linux/uaccess";

MODULE_LICENSE("GPL");

const NPAGES = 6;
const HS_DUP = _IOW(0x68, 1, 4); // arg: (dst << 8) | src
const store: Array<page | null> = new Array<page | null>(NPAGES).fill(null);
const hs_mutex = new mutex();

/** Moves up to the end of one page between user space and the store. */
function hs_xfer(pos: number, ubuf: number, count: number, to_user: boolean): number {
  const idx = Math.floor(pos / PAGE_SIZE), off = pos % PAGE_SIZE;
  const n = Math.min(count, PAGE_SIZE - off);
  const pg = store[idx]!;
  const va = kmap(pg);
  const left = to_user ? copy_to_user(ubuf, va + off, n) : copy_from_user(va + off, ubuf, n);
  kunmap(pg);
  return left ? -EFAULT : n;
}

function hs_rw(ubuf: number, count: number, ppos: Ref<number>, to_user: boolean): number {
  if (ppos.value >= NPAGES * PAGE_SIZE) return to_user ? 0 : -ENOSPC;
  if (mutex_lock_interruptible(hs_mutex)) return -4;
  let done = 0;
  while (done < count && ppos.value < NPAGES * PAGE_SIZE) {
    const r = hs_xfer(ppos.value, ubuf + done, count - done, to_user);
    if (r < 0) { mutex_unlock(hs_mutex); return done || r; }
    done += r;
    ppos.value += r;
  }
  mutex_unlock(hs_mutex);
  return done;
}

function hs_dup(src: number, dst: number): number {
  if (src >= NPAGES || dst >= NPAGES || src === dst) return -EINVAL;
  const from = kmap_local_page(store[src]!);
  const to = kmap_local_page(store[dst]!);
  memcpy(to, from, PAGE_SIZE);
  kunmap_local(to);
  kunmap_local(from);
  return 0;
}

const hs_fops: file_operations = {
  owner: THIS_MODULE,
  read: (_f: file, b: number, c: number, p: Ref<number>) => hs_rw(b, c, p, true),
  write: (_f: file, b: number, c: number, p: Ref<number>) => hs_rw(b, c, p, false),
  llseek: (f: file, o: number, w: number) => fixed_size_llseek(f, o, w, NPAGES * PAGE_SIZE),
  unlocked_ioctl: (_f: file, cmd: number, arg: number) => {
    if (cmd !== HS_DUP) return -ENOTTY;
    if (mutex_lock_interruptible(hs_mutex)) return -4;
    const r = hs_dup(arg & 0xff, (arg >> 8) & 0xff);
    mutex_unlock(hs_mutex);
    return r;
  },
};
const hs_dev: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "hstore", fops: hs_fops };

function hs_free_all(): void {
  store.forEach((pg, i) => {
    if (pg) __free_page(pg);
    store[i] = null;
  });
}

function hs_init(): number {
  mutex_init(hs_mutex);
  let high = 0;
  for (let i = 0; i < NPAGES; i++) {
    const pg = alloc_page(GFP_HIGHUSER);
    if (!pg) { hs_free_all(); return -ENOMEM; }
    clear_highpage(pg);
    if (PageHighMem(pg)) high++;
    store[i] = pg;
  }
  const err = misc_register(hs_dev);
  if (err) { hs_free_all(); return err; }
  pr_info("hstore: %d pages, %d of them in high memory\n", NPAGES, high);
  return 0;
}

function hs_exit(): void {
  misc_deregister(hs_dev);
  hs_free_all();
}

module_init(hs_init);
module_exit(hs_exit);
