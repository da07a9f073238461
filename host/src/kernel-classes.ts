// Every sim-core module that defines classes whose instances a driver or a
// scenario may be handed (tasks, mm and VMAs, files, pages, devices and
// their models, the allocators behind them): the driver host freezes these
// classes and their prototypes (freezeClassPrototypes in sandbox.ts) before
// any driver code runs. host/test/reach.test.ts checks that nothing it
// walks to from a driver's objects was left out.

import * as m0 from "../../sim-core/src/dev/bus";
import * as m1 from "../../sim-core/src/dev/device";
import * as m2 from "../../sim-core/src/dev/isa_dma";
import * as m3 from "../../sim-core/src/dev/models/edu";
import * as m4 from "../../sim-core/src/dev/models/fb";
import * as m5 from "../../sim-core/src/dev/models/isa";
import * as m6 from "../../sim-core/src/dev/models/model";
import * as m7 from "../../sim-core/src/dev/models/nic";
import * as m8 from "../../sim-core/src/dma/cache";
import * as m9 from "../../sim-core/src/dma/debug";
import * as m10 from "../../sim-core/src/dma/dma";
import * as m11 from "../../sim-core/src/dma/iommu";
import * as m12 from "../../sim-core/src/dma/ownership";
import * as m13 from "../../sim-core/src/dma/pool";
import * as m14 from "../../sim-core/src/dma/scatterlist";
import * as m15 from "../../sim-core/src/dma/swiotlb";
import * as m16 from "../../sim-core/src/fs/chrdev";
import * as m17 from "../../sim-core/src/fs/file";
import * as m18 from "../../sim-core/src/fs/kiocb";
import * as m19 from "../../sim-core/src/inspect";
import * as m20 from "../../sim-core/src/kernel";
import * as m21 from "../../sim-core/src/kernel/clock";
import * as m22 from "../../sim-core/src/kernel/events";
import * as m23 from "../../sim-core/src/kernel/irq";
import * as m24 from "../../sim-core/src/kernel/locking";
import * as m25 from "../../sim-core/src/kernel/module";
import * as m26 from "../../sim-core/src/kernel/modules";
import * as m27 from "../../sim-core/src/kernel/printk";
import * as m28 from "../../sim-core/src/kernel/report";
import * as m29 from "../../sim-core/src/kernel/sched";
import * as m30 from "../../sim-core/src/kernel/signal";
import * as m31 from "../../sim-core/src/kernel/stack";
import * as m32 from "../../sim-core/src/kernel/syscalls";
import * as m33 from "../../sim-core/src/kernel/tasks";
import * as m34 from "../../sim-core/src/mm/access";
import * as m35 from "../../sim-core/src/mm/buddy";
import * as m36 from "../../sim-core/src/mm/gup";
import * as m37 from "../../sim-core/src/mm/highmem";
import * as m38 from "../../sim-core/src/mm/iomem";
import * as m39 from "../../sim-core/src/mm/kasan";
import * as m40 from "../../sim-core/src/mm/memmap";
import * as m41 from "../../sim-core/src/mm/memory";
import * as m42 from "../../sim-core/src/mm/mm_struct";
import * as m43 from "../../sim-core/src/mm/mmap";
import * as m44 from "../../sim-core/src/mm/page_alloc";
import * as m45 from "../../sim-core/src/mm/pgtable";
import * as m46 from "../../sim-core/src/mm/physmem";
import * as m47 from "../../sim-core/src/mm/slab";
import * as m48 from "../../sim-core/src/mm/uaccess";
import * as m49 from "../../sim-core/src/mm/vma";
import * as m50 from "../../sim-core/src/mm/vmalloc";

export const KERNEL_CLASSES: readonly object[] = [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19, m20, m21, m22, m23, m24, m25, m26, m27, m28, m29, m30, m31, m32, m33, m34, m35, m36, m37, m38, m39, m40, m41, m42, m43, m44, m45, m46, m47, m48, m49, m50];
