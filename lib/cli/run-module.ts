import path = require('node:path')
import { EXIT } from './exit-codes'

export interface ModuleRun {
  code: number
  message?: string
  /** What the entry returned, when it was not an exit code. */
  result?: unknown
}

type Entry = (options: Record<string, unknown>) => unknown

/**
 * Runs `exportName` from a module of this build (dist/<dir>), e.g. the demo or the lab. The module may return
 * (or resolve to) an exit code; anything else counts as success, a throw as failure.
 */
export async function runModule(dir: string, exportName: string, options: Record<string, unknown>): Promise<ModuleRun> {
  const file = path.resolve(__dirname, '..', dir)
  let mod: Record<string, unknown>
  try {
    mod = require(file) as Record<string, unknown>
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'MODULE_NOT_FOUND' && e.message.includes(file)) {
      return { code: EXIT.missing, message: `not part of this build (${path.relative(path.join(__dirname, '..', '..'), file)} is missing)` }
    }
    throw err
  }
  const entry = mod[exportName]
  if (typeof entry !== 'function') return { code: EXIT.missing, message: `${dir} does not export ${exportName}()` }
  const result = await (entry as Entry)(options)
  if (typeof result === 'number' && Number.isInteger(result)) return { code: result }
  return result === undefined ? { code: EXIT.ok } : { code: EXIT.ok, result }
}
