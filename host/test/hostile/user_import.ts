// Hostile driver: imports the user program's API (faultline/user) to print
// forged program output. Tries: to speak for the program. Expected: a
// bundle error naming the import, at its line; no host runs.

import { MODULE_LICENSE, module_exit, module_init } from "linux/module";
import { printf } from "faultline/user"; // HOSTILE: user space's API, from a driver

MODULE_LICENSE("GPL");

function hostile_init(): number {
  printf("scenario: end\n");
  return 0;
}

function hostile_exit(): void {}

module_init(hostile_init);
module_exit(hostile_exit);
