/**
 * Compression of trace.dat version 7 sections and CPU data. trace-cmd 3.1.6 here reads zstd
 * (its default); the codec is `@hpcc-js/wasm-zstd`, the zstd library compiled to WebAssembly and
 * shipped inside that package (no native addon, nothing downloaded at install), loaded on first
 * use.
 *
 * @packageDocumentation
 */

/** A compression algorithm as trace.dat v7 names it in its header. */
export interface Compression {
  /** Algorithm name (`zstd`). */
  readonly name: string
  /** Library version (`1.5.7`). */
  readonly version: string
  /** Compress a whole buffer (one zstd frame). */
  compress(data: Uint8Array): Uint8Array
  /** Decompress a frame into `size` bytes. */
  decompress(data: Uint8Array, size: number): Uint8Array
}

/** Pages per compressed chunk of CPU data, as trace-cmd writes (`PAGES_IN_CHUNK`). */
export const PAGES_IN_CHUNK = 10

/**
 * Load the zstd codec (WebAssembly, once per thread) at trace-cmd's default level.
 *
 * @returns the codec for the `compression` option of `TraceDatRecorder.finish` / `writeTraceDat`.
 */
export async function zstdCompression(): Promise<Compression> {
  const { Zstd } = await import('@hpcc-js/wasm-zstd')
  const z = await Zstd.load()
  return {
    name: 'zstd',
    version: z.version(),
    compress: (data) => z.compress(data, z.defaultCLevel()),
    decompress: (data, size) => {
      const out = z.decompress(data)
      if (out.length !== size)
        throw new RangeError(`zstd: frame decompressed to ${out.length} bytes, expected ${size}`)
      return out
    },
  }
}
