// A program using /dev/aio both ways: plain write() and read() (synchronous
// kiocbs, answered at once), then io_submit() of a read, which the driver
// queues, and io_getevents(), which waits until the driver's deferred work
// completes it. The kernel log shows the order: queued, then completed.

import { expect, expect_eq, printf, spawn, O_RDWR } from "faultline/user";

export default function scenario(): void {
  const p = spawn("aio-test");
  const fd = p.open("/dev/aio", O_RDWR);
  expect(fd >= 0, `open /dev/aio: errno ${p.errno}`);

  const msg = "completion is deferred; the data is not";
  const buf = p.malloc(256);
  p.write_string(buf, msg);
  expect_eq(p.write(fd, buf, msg.length), msg.length, "write() completes synchronously");
  printf("write(): %d bytes\n", msg.length);

  // A synchronous read of the same file: f_pos is past the message now, so reopen.
  const fd2 = p.open("/dev/aio", O_RDWR);
  const sync = p.malloc(256);
  const n = p.read(fd2, sync, 256);
  expect_eq(n, msg.length, "read() returns the message at once");
  printf("read(): %d bytes, \"%s\"\n", n, new TextDecoder().decode(p.read_bytes(sync, n)));

  // io_submit(): the driver copies the data now and queues the completion.
  const async = p.malloc(256);
  const req = p.aio_read(fd2, async, 256, 0);
  if (typeof req === "number") throw new Error(`io_submit failed: errno ${p.errno}`);
  printf("io_submit(): request queued, completed yet: %s\n", req.done ? "yes" : "no");
  expect(!req.done, "an asynchronous read is not complete when io_submit() returns");

  // io_getevents(): sleeps until ki_complete(); the deferred work runs meanwhile.
  const res = p.io_getevents(req);
  expect_eq(res, msg.length, "the event carries the driver's result");
  printf("io_getevents(): res %d, \"%s\"\n", res, new TextDecoder().decode(p.read_bytes(async, res)));

  p.close(fd2);
  p.close(fd);
}
