// dio with the lock forgotten: get_user_pages() walks current's VMAs and page
// tables with no mmap_read_lock() held, so a concurrent mmap(), munmap() or
// mremap() in another thread could change them under the walk. Trips PG007
// at each get_user_pages() call (lockdep's mmap_assert_locked()).

import { EFAULT, ENOMEM, ENOSPC } from "linux/errno";
import { fixed_size_llseek, type file, type file_operations, type Ref } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { kmap_local_page, kunmap_local } from "linux/highmem";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import {
  FOLL_WRITE, get_user_pages, offset_in_page, PAGE_ALIGN_DOWN, PAGE_SIZE, PFN_UP,
  put_page, set_page_dirty_lock, type page,
} from "linux/mm";
import { MODULE_DESCRIPTION, MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_err, pr_info } from "linux/printk";
import { kfree, kzalloc } from "linux/slab";
import { memcpy } from "linux/string";

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("LDD3 ch. 15: direct I/O through get_user_pages()");

/** The device's storage: four pages, so a transfer can span several user pages. */
const DIO_SIZE = 4 * PAGE_SIZE;
let dio_buf = 0;
/** How far the device has been written: reads stop here. */
let dio_len = 0;

/**
 * Takes references on the nr_pages user pages starting at the page that holds
 * ubuf — walking VMAs and page tables that mmap(), munmap() and friends may be
 * changing at the same moment.
 */
function dio_get_pages(ubuf: number, nr_pages: number, gup_flags: number, pages: Array<page | null>): number {
  const got = get_user_pages(PAGE_ALIGN_DOWN(ubuf), nr_pages, gup_flags, pages); // BUG: mmap_read_lock(current->mm) not held
  if (got < 0) return got;
  if (got < nr_pages) {
    // A hole or a read-only page in the middle of the buffer: give back what we have.
    for (let i = 0; i < got; i++) put_page(pages[i]!);
    return -EFAULT;
  }
  return got;
}

/** write(): user pages → device. The pages are only read, so no FOLL_WRITE and no dirtying. */
function dio_write(_filp: file, buf: number, count: number, ppos: Ref<number>): number {
  const pos = ppos.value;
  if (pos >= DIO_SIZE) return -ENOSPC;
  count = Math.min(count, DIO_SIZE - pos);
  if (count === 0) return 0;

  // The buffer need not start on a page boundary, and its last page may be partial.
  const offset = offset_in_page(buf);
  const nr_pages = PFN_UP(offset + count);
  const pages: Array<page | null> = new Array<page | null>(nr_pages).fill(null);
  const got = dio_get_pages(buf, nr_pages, 0, pages);
  if (got < 0) return got;

  let done = 0;
  for (let i = 0; i < nr_pages; i++) {
    const start = i === 0 ? offset : 0;
    const len = Math.min(PAGE_SIZE - start, count - done);
    const kaddr = kmap_local_page(pages[i]!);
    memcpy(dio_buf + pos + done, kaddr + start, len);
    kunmap_local(kaddr);
    done += len;
  }
  for (let i = 0; i < nr_pages; i++) put_page(pages[i]!);

  pr_info("dio: write of %zu bytes at %lld through %d user pages (first at offset %lu)\n", count, pos, nr_pages, offset);
  ppos.value = pos + count;
  dio_len = Math.max(dio_len, ppos.value);
  return count;
}

/**
 * read(): device → user pages. get_user_pages() with FOLL_WRITE breaks COW and
 * faults the pages in writable; once the kernel has written them they must be
 * marked dirty before the reference is dropped, or reclaim may take the page
 * for clean, drop it, and bring the old contents back from swap or the file.
 */
function dio_read(_filp: file, buf: number, count: number, ppos: Ref<number>): number {
  const pos = ppos.value;
  if (pos >= dio_len) return 0;
  count = Math.min(count, dio_len - pos);
  if (count === 0) return 0;

  const offset = offset_in_page(buf);
  const nr_pages = PFN_UP(offset + count);
  const pages: Array<page | null> = new Array<page | null>(nr_pages).fill(null);
  const got = dio_get_pages(buf, nr_pages, FOLL_WRITE, pages);
  if (got < 0) return got;

  let done = 0;
  for (let i = 0; i < nr_pages; i++) {
    const start = i === 0 ? offset : 0;
    const len = Math.min(PAGE_SIZE - start, count - done);
    const kaddr = kmap_local_page(pages[i]!);
    memcpy(kaddr + start, dio_buf + pos + done, len);
    kunmap_local(kaddr);
    done += len;
  }
  for (let i = 0; i < nr_pages; i++) {
    // _lock: the page lock may be needed to dirty a file-backed page; we are not in atomic context.
    set_page_dirty_lock(pages[i]!);
    put_page(pages[i]!);
  }

  pr_info("dio: read of %zu bytes at %lld through %d user pages (first at offset %lu)\n", count, pos, nr_pages, offset);
  ppos.value = pos + count;
  return count;
}

function dio_llseek(filp: file, offset: number, whence: number): number {
  return fixed_size_llseek(filp, offset, whence, DIO_SIZE);
}

const dio_fops: file_operations = {
  owner: THIS_MODULE,
  read: dio_read,
  write: dio_write,
  llseek: dio_llseek,
};

const dio_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "dio", fops: dio_fops };

function dio_init(): number {
  dio_buf = kzalloc(DIO_SIZE, GFP_KERNEL);
  if (!dio_buf) return -ENOMEM;
  const ret = misc_register(dio_misc);
  if (ret) {
    pr_err("dio: misc_register failed: %d\n", ret);
    kfree(dio_buf);
    return ret;
  }
  return 0;
}

function dio_exit(): void {
  misc_deregister(dio_misc);
  kfree(dio_buf);
}

module_init(dio_init);
module_exit(dio_exit);
