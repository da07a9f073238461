// The scenario of bench/host.ts: the program does nothing, so a run is the
// command line, the host, boot, insmod and rmmod of the fixture, and no more.

export default function scenario(): void {}
