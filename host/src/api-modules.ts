// The kernel API as the bundles import it: one sim-core module per header.

import * as asmDma from "../../sim-core/src/api/asm/dma";
import * as asmPage from "../../sim-core/src/api/asm/page";
import * as ptr from "../../sim-core/src/api/faultline/ptr";
import * as user from "../../sim-core/src/api/faultline/user";
import * as bug from "../../sim-core/src/api/linux/bug";
import * as cdev from "../../sim-core/src/api/linux/cdev";
import * as dmaMapping from "../../sim-core/src/api/linux/dma-mapping";
import * as dmapool from "../../sim-core/src/api/linux/dmapool";
import * as completion from "../../sim-core/src/api/linux/completion";
import * as device from "../../sim-core/src/api/linux/device";
import * as err from "../../sim-core/src/api/linux/err";
import * as errno from "../../sim-core/src/api/linux/errno";
import * as fs from "../../sim-core/src/api/linux/fs";
import * as gfp from "../../sim-core/src/api/linux/gfp";
import * as highmem from "../../sim-core/src/api/linux/highmem";
import * as interrupt from "../../sim-core/src/api/linux/interrupt";
import * as io from "../../sim-core/src/api/linux/io";
import * as misc from "../../sim-core/src/api/linux/miscdevice";
import * as mm from "../../sim-core/src/api/linux/mm";
import * as moduleApi from "../../sim-core/src/api/linux/module";
import * as pci from "../../sim-core/src/api/linux/pci";
import * as printk from "../../sim-core/src/api/linux/printk";
import * as scatterlist from "../../sim-core/src/api/linux/scatterlist";
import * as sched from "../../sim-core/src/api/linux/sched";
import * as slab from "../../sim-core/src/api/linux/slab";
import * as string from "../../sim-core/src/api/linux/string";
import * as uaccess from "../../sim-core/src/api/linux/uaccess";
import * as uio from "../../sim-core/src/api/linux/uio";
import * as vmalloc from "../../sim-core/src/api/linux/vmalloc";
import * as wait from "../../sim-core/src/api/linux/wait";
import * as spinlock from "../../sim-core/src/api/linux/spinlock";
import * as mutex from "../../sim-core/src/api/linux/mutex";
import * as semaphore from "../../sim-core/src/api/linux/semaphore";
import * as kref from "../../sim-core/src/api/linux/kref";
import * as timer from "../../sim-core/src/api/linux/timer";
import * as ioctl from "../../sim-core/src/api/linux/ioctl";
import * as ioport from "../../sim-core/src/api/linux/ioport";
import * as workqueue from "../../sim-core/src/api/linux/workqueue";

const MODULES: Record<string, unknown> = {
  "asm/page": asmPage, "faultline/ptr": ptr, "faultline/user": user, "linux/bug": bug, "linux/cdev": cdev,
  "linux/err": err, "linux/errno": errno, "linux/fs": fs, "linux/gfp": gfp, "linux/highmem": highmem,
  "linux/io": io, "linux/miscdevice": misc, "linux/mm": mm, "linux/module": moduleApi, "linux/printk": printk,
  "linux/sched": sched, "linux/slab": slab, "linux/string": string, "linux/uaccess": uaccess, "linux/uio": uio,
  "linux/vmalloc": vmalloc, "linux/workqueue": workqueue,
  "linux/dma-mapping": dmaMapping, "linux/dmapool": dmapool, "linux/scatterlist": scatterlist,
  "linux/pci": pci, "linux/interrupt": interrupt, "linux/completion": completion, "linux/wait": wait,
  "linux/device": device, "asm/dma": asmDma,
  "linux/spinlock": spinlock, "linux/mutex": mutex, "linux/semaphore": semaphore, "linux/kref": kref,
  "linux/timer": timer, "linux/ioctl": ioctl, "linux/ioport": ioport,
};

export function apiModule(spec: string): unknown {
  return MODULES[spec];
}

export const API_MODULE_NAMES = Object.keys(MODULES);

/** The modules by import name, for the driver host's sandbox. */
export const API_MODULES: ReadonlyMap<string, object> = new Map(Object.entries(MODULES) as Array<[string, object]>);
