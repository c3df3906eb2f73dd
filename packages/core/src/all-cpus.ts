/**
 * @packageDocumentation
 */

/** Pass as `cpu` to address every ring (the kernel's `RING_BUFFER_ALL_CPUS`). */
export const ALL_CPUS = -1
