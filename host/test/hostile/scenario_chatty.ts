// A hostile scenario: prints 8 MiB of program output (128 K-character
// lines). Tries: to flood the parent and the terminal through stdout.
// Expected: the output cut at the run's stdoutBytes, with a line saying so.

import { printf } from "faultline/user";

export default function scenario(): void {
  const wide = "z".repeat(128 * 1024);
  for (let i = 0; i < 64; i++) printf("%s\n", wide); // HOSTILE: 8 MiB of output
  printf("scenario: end\n");
}
