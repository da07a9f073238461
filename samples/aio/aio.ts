// Asynchronous I/O, after LDD3 chapter 15's scullp_aio_read(), brought up to
// date: aio_read/aio_write became read_iter/write_iter, and aio_complete()
// became iocb->ki_complete(). The data moves at once, while the submitting
// process's buffers are still reachable; only the completion is deferred, to
// a work item that runs a few jiffies later, as a device interrupt would.

import { load64, store64 } from "faultline/ptr";
import { EFAULT, EIOCBQUEUED, ENOMEM, ENOSPC } from "linux/errno";
import { is_sync_kiocb, type file_operations, type kiocb } from "linux/fs";
import { GFP_KERNEL } from "linux/gfp";
import { MISC_DYNAMIC_MINOR, misc_deregister, misc_register, type miscdevice } from "linux/miscdevice";
import { PAGE_SIZE } from "linux/mm";
import { MODULE_DESCRIPTION, MODULE_LICENSE, module_exit, module_init, THIS_MODULE } from "linux/module";
import { pr_err, pr_info } from "linux/printk";
import { kfree, kmalloc, kzalloc } from "linux/slab";
import { copy_from_iter, copy_to_iter, iov_iter_count, type iov_iter } from "linux/uio";
import { delayed_work, get_jiffies, INIT_DELAYED_WORK, msecs_to_jiffies, schedule_delayed_work, type work_struct } from "linux/workqueue";

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("LDD3 ch. 15: asynchronous I/O with deferred completion");

const AIO_SIZE = PAGE_SIZE;
let aio_buf = 0;
/** How far the device has been written: reads stop here. */
let aio_len = 0;

/**
 * struct async_work {
 *         struct kiocb *iocb;
 *         ssize_t result;
 *         struct delayed_work work;
 * };
 * TypeScript cannot keep object references in simulated memory, so the
 * struct is split in two. Its bytes are `mem`, from kmalloc(): result lives
 * there, and it is what the completion must kfree() and what kmemleak
 * watches. The references live in this object, which is also the work item
 * (it derives from delayed_work), so container_of() from the work item is a
 * cast.
 */
class async_work extends delayed_work {
  constructor(readonly mem: number, readonly iocb: kiocb) {
    super();
  }
}
/** sizeof(struct async_work) on x86_64: two 8-byte fields and an 88-byte struct delayed_work. */
const SIZEOF_ASYNC_WORK = 8 + 8 + 88;
/** offsetof(struct async_work, result). */
const ASYNC_WORK_RESULT = 8;

/** The completion, on a kworker: nothing of the submitter's address space is reachable here, only the result. */
function aio_do_deferred_op(work: work_struct): void {
  const stuff = work as async_work;
  const result = Number(load64(stuff.mem + ASYNC_WORK_RESULT));
  pr_info("aio: completing request at jiffies %lu, result %zd\n", get_jiffies(), result);
  stuff.iocb.ki_complete!(stuff.iocb, result);
  kfree(stuff.mem);
}

/**
 * LDD3's scullp_defer_op(): the transfer is done; a synchronous caller gets
 * its result now, an asynchronous one later, through ki_complete().
 */
function aio_defer_op(iocb: kiocb, result: number, what: string): number {
  if (is_sync_kiocb(iocb)) return result;

  const mem = kmalloc(SIZEOF_ASYNC_WORK, GFP_KERNEL);
  if (!mem) return result; // no memory: complete now, which a kiocb always allows
  const stuff = new async_work(mem, iocb);
  store64(mem + ASYNC_WORK_RESULT, result);
  INIT_DELAYED_WORK(stuff, aio_do_deferred_op);
  const delay = msecs_to_jiffies(10); // LDD3's HZ/100
  pr_info("aio: %s of %zd bytes queued at jiffies %lu, completing in %lu jiffies\n", what, result, get_jiffies(), delay);
  schedule_delayed_work(stuff, delay);
  return -EIOCBQUEUED;
}

function aio_read_iter(iocb: kiocb, to: iov_iter): number {
  const pos = iocb.ki_pos;
  let result = 0;
  if (pos < aio_len) {
    const want = Math.min(iov_iter_count(to), aio_len - pos);
    // Copy now: by the time the work runs, current is a kworker and the user buffer is out of reach.
    result = copy_to_iter(aio_buf + pos, want, to);
    if (result === 0 && want > 0) return -EFAULT;
    iocb.ki_pos = pos + result;
  }
  return aio_defer_op(iocb, result, "read");
}

function aio_write_iter(iocb: kiocb, from: iov_iter): number {
  const pos = iocb.ki_pos;
  if (pos >= AIO_SIZE) return -ENOSPC;
  const want = Math.min(iov_iter_count(from), AIO_SIZE - pos);
  const result = copy_from_iter(aio_buf + pos, want, from);
  if (result === 0 && want > 0) return -EFAULT;
  iocb.ki_pos = pos + result;
  aio_len = Math.max(aio_len, iocb.ki_pos);
  return aio_defer_op(iocb, result, "write");
}

const aio_fops: file_operations = {
  owner: THIS_MODULE,
  read_iter: aio_read_iter,
  write_iter: aio_write_iter,
};

const aio_misc: miscdevice = { minor: MISC_DYNAMIC_MINOR, name: "aio", fops: aio_fops };

function aio_init(): number {
  aio_buf = kzalloc(AIO_SIZE, GFP_KERNEL);
  if (!aio_buf) return -ENOMEM;
  const ret = misc_register(aio_misc);
  if (ret) {
    pr_err("aio: misc_register failed: %d\n", ret);
    kfree(aio_buf);
    return ret;
  }
  return 0;
}

/*
 * No completion can still be queued here: an asynchronous kiocb holds a
 * reference to its file, and so (through fops.owner) to this module, until
 * ki_complete() is called.
 */
function aio_exit(): void {
  misc_deregister(aio_misc);
  kfree(aio_buf);
}

module_init(aio_init);
module_exit(aio_exit);
