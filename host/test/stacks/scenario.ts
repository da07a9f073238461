// Nothing to do: the driver's init fails before a user could open anything.

export default function scenario(): void {}
