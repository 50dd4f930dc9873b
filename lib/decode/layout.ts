// Declarative struct layouts: a field is decoded only when the kernel returned all of its bytes.
// Kernel structs are in host byte order.
import { endianness } from 'node:os'

const le = endianness() === 'LE'
export type FieldType = 'u8' | 'u16' | 'u32' | 'u64'

export type Layout = ReadonlyArray<readonly [name: string, offset: number, type: FieldType]>

const size: Record<FieldType, number> = { u8: 1, u16: 2, u32: 4, u64: 8 }

export function decodeLayout(layout: Layout, buf: Buffer, length = buf.length): Record<string, number | bigint> {
  const out: Record<string, number | bigint> = {}
  const end = Math.min(length, buf.length)
  for (const [name, off, type] of layout) {
    if (off + size[type] > end) continue
    switch (type) {
      case 'u8':
        out[name] = buf.readUInt8(off)
        break
      case 'u16':
        out[name] = le ? buf.readUInt16LE(off) : buf.readUInt16BE(off)
        break
      case 'u32':
        out[name] = le ? buf.readUInt32LE(off) : buf.readUInt32BE(off)
        break
      case 'u64':
        out[name] = le ? buf.readBigUInt64LE(off) : buf.readBigUInt64BE(off)
        break
    }
  }
  return out
}
