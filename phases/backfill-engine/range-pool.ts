// The workers of one task's backfill, so that its ranges finish together. A worker claims an unfinished
// range no one holds (those recorded by an earlier run first, so a resume just works); when none is
// free it steals: the running range with the most rows left splits at its next batch boundary and the
// worker takes the upper part. How many workers run follows the WorkerTarget, read at every batch
// boundary. The first range to fail stops the others at their next batch; its error is the one thrown.
import { stopIfInterrupted } from '../../src/errors/index.js';
import { errorMessage, sqlState, type Sql } from '../../src/db/connect.js';
import type { BackfillTask } from '../../src/plan/plan.js';
import type { BackfillCursor } from './backfill-cursors.js';
import { splitCursor } from './cursor-split.js';
import type { BackfillGovernor } from './governor.js';
import type { RangeBatches } from './range-batches.js';
import { splitPointFor } from './range-split-point.js';
import { reserveWorkerConnection, rolledBackWhole, runRange, type RangeTurn } from './range-worker.js';
import type { TaskProgress } from './task-progress.js';
import type { WorkerTarget } from './worker-target.js';
import type { RunContext } from '../run-context.js';

/** What a steal ends with: the new range (held for the stealer), or why there is none from this victim. */
type Steal = Slot | 'declined' | 'gone';

/** A worker's place in the count of workers; it leaves the count the moment it decides to stop. */
interface Worker {
  counted: boolean;
}

interface SplitRequest {
  readonly settled: Promise<Steal>;
  readonly settle: (steal: Steal) => void;
}

interface Slot {
  readonly rangeIndex: number;
  /** The inclusive upper key (or page after the last) now: a split lowers it. */
  upper: readonly string[];
  held: boolean;
  finished: boolean;
  /** The size of the range's last batch (null: none ran yet; it starts at --batch-size). */
  batchSize: number | null;
  /** Too little left to split, as the range itself found at a boundary. */
  unsplittable: boolean;
  request: SplitRequest | undefined;
  batches: RangeBatches;
}

export interface RangePoolInput {
  readonly ctx: RunContext;
  readonly governor: BackfillGovernor;
  readonly task: BackfillTask;
  readonly cursors: readonly BackfillCursor[];
  readonly progress: TaskProgress;
  readonly target: WorkerTarget;
  /** The batches of a range whose upper bound `upper()` reads at each batch. */
  readonly batchesOf: (kind: BackfillCursor['kind'], rangeIndex: number, upper: () => readonly string[]) => RangeBatches;
}

/** SQLSTATE too_many_connections: the server's max_connections, or the role's or database's CONNECTION LIMIT. */
const tooManyConnections = '53300';

export class RangePool {
  readonly #in: RangePoolInput;
  readonly #ctx: RunContext;
  readonly #slots = new Map<number, Slot>();
  readonly #stop = new AbortController();
  readonly #running = new Set<Promise<void>>();
  #workers = 0;
  /** Why #cap is what it is, for the worker target when it wants more. */
  #capWhy = '';
  /** Workers holding a connection. */
  #connected = 0;
  /** The most workers the server gave connections to: set when it refused one for another worker. */
  #cap = Number.POSITIVE_INFINITY;
  /** Rows the task's batches covered in this run, for the worker target. */
  #covered = 0;
  /** False once a stealer found no range worth splitting: what is left only shrinks. */
  #stealing = true;
  /** One split of the task at a time: the new range's index is the task's largest plus one. */
  #splitting: Promise<unknown> = Promise.resolve();
  #firstError: { readonly error: unknown } | undefined;

  constructor(input: RangePoolInput) {
    this.#in = input;
    const signal = input.ctx.signal === undefined ? this.#stop.signal : AbortSignal.any([input.ctx.signal, this.#stop.signal]);
    this.#ctx = { ...input.ctx, signal };
    for (const c of input.cursors) {
      this.#slots.set(c.rangeIndex, this.#slot(c.kind, c.rangeIndex, c.upperBound ?? [], c.batches > 0 ? c.batchSize : null, c.done));
    }
  }

  /**
   * Runs the task's ranges to their end; throws the first range's error (StoppedError on a signal).
   * `room`: connections the server has free now. Workers beyond it less one (the connection the ledger
   * and the monitor need once the workers have taken the idle ones) are not started.
   */
  async run(room: number): Promise<void> {
    this.#cap = Math.max(1, room - 1);
    this.#capWhy = `the server has room for ${room} more connection${room === 1 ? '' : 's'} (max_connections, or the role's or database's CONNECTION LIMIT), one of them kept for the run's ledger`;
    const wanted = this.#in.target.wanted();
    if (wanted > this.#cap)
      this.#ctx.emit({ type: 'warning', message: `running ${this.#cap} of the ${wanted} workers wanted: ${this.#capWhy}` });
    this.#fill();
    while (this.#running.size > 0) await Promise.all([...this.#running]);
    if (this.#firstError !== undefined) throw this.#firstError.error;
    if (!this.#in.progress.done) {
      stopIfInterrupted(this.#ctx.signal, this.#ctx.migration);
      throw new Error(`backfill ${this.#in.task.id}: every worker ended with ranges unfinished`);
    }
  }

  #slot(kind: BackfillCursor['kind'], rangeIndex: number, upper: readonly string[], batchSize: number | null, finished: boolean): Slot {
    const slot: Slot = {
      rangeIndex,
      upper,
      held: false,
      finished,
      batchSize,
      unsplittable: false,
      request: undefined,
      batches: this.#in.batchesOf(kind, rangeIndex, () => slot.upper),
    };
    return slot;
  }

  /** Starts workers up to the target while there is work for them: a free range, or one worth splitting. */
  #fill(): void {
    // A target that wants more than the server has connections for hears so (auto then stops adding).
    if (this.#in.target.wanted() > this.#cap) this.#in.target.capped(this.#cap, this.#capWhy);
    while (!this.#stop.signal.aborted && this.#workers < this.#wanted()) {
      const free = this.#claimFree();
      if (free === undefined && (!this.#stealing || this.#victim() === undefined)) return;
      this.#workers++;
      const worker = this.#work(free).finally(() => this.#running.delete(worker));
      this.#running.add(worker);
    }
  }

  /** Claims the free unfinished range with the lowest index (the earlier runs' ranges come first). */
  #claimFree(): Slot | undefined {
    for (const slot of [...this.#slots.values()].sort((a, b) => a.rangeIndex - b.rangeIndex)) {
      if (!slot.held && !slot.finished) {
        slot.held = true;
        return slot;
      }
    }
    return undefined;
  }

  /** A worker: one reserved connection, ranges one after another until there is no work for it. */
  async #work(first: Slot | undefined): Promise<void> {
    const worker: Worker = { counted: true };
    let slot = first;
    let connection: Awaited<ReturnType<typeof reserveWorkerConnection>> | undefined;
    try {
      connection = await reserveWorkerConnection(this.#ctx, this.#in.governor, this.#in.task.searchPath);
      this.#connected++;
      for (slot ??= await this.#next(worker); slot !== undefined; slot = await this.#next(worker)) {
        const current = slot;
        const start = {
          rangeIndex: current.rangeIndex,
          position: this.#in.progress.span(current.rangeIndex)?.position ?? null,
          batchSize: current.batchSize,
          workers: this.#wanted(),
        };
        const turn: RangeTurn = {
          beforeBatch: (conn, size) => this.#boundary(worker, current, conn, size),
          afterBatch: (covered) => this.#committed(covered),
        };
        const finished = await runRange(this.#ctx, this.#in.governor, connection.conn, start, current.batches, this.#in.progress, turn);
        current.finished = finished;
        this.#release(current);
        if (!finished) break;
      }
      slot = undefined;
    } catch (error) {
      if (connection === undefined && this.#connected > 0 && sqlState(error) === tooManyConnections) {
        this.#refused(error);
      } else {
        this.#firstError ??= { error };
        this.#stop.abort();
      }
    } finally {
      if (slot !== undefined) this.#release(slot);
      if (worker.counted) this.#workers--;
      if (connection !== undefined) {
        this.#connected--;
        await connection.release();
      }
      this.#fill();
    }
  }

  /** The next range for a worker that has none: a free one, else the upper part of a split; undefined: none for it. */
  async #next(worker: Worker): Promise<Slot | undefined> {
    for (;;) {
      if (this.#stop.signal.aborted) return undefined;
      stopIfInterrupted(this.#ctx.signal, this.#ctx.migration);
      if (this.#leaves(worker)) return undefined;
      const free = this.#claimFree();
      if (free !== undefined) return free;
      if (!this.#stealing) return undefined;
      const victim = this.#victim();
      if (victim === undefined) {
        const pending = [...this.#slots.values()].flatMap((s) => (s.request === undefined ? [] : [s.request.settled]));
        // Another worker's split may leave more to split: wait for it, then look again.
        if (pending.length > 0) {
          await Promise.race(pending);
          continue;
        }
        this.#stealing = false;
        return undefined;
      }
      let settle: (steal: Steal) => void = () => undefined;
      const settled = new Promise<Steal>((resolve) => (settle = resolve));
      victim.request = { settled, settle };
      const steal = await settled;
      if (typeof steal === 'object') return steal;
      if (steal === 'declined') victim.unsplittable = true;
    }
  }

  /** The running range with the most rows left, if that is worth a split (see #worthSplitting). */
  #victim(): Slot | undefined {
    let best: { slot: Slot; rows: number } | undefined;
    for (const slot of this.#slots.values()) {
      if (!slot.held || slot.finished || slot.unsplittable || slot.request !== undefined) continue;
      const rows = this.#in.progress.rowsLeft(slot.rangeIndex);
      if (this.#worthSplitting(rows, slot.batchSize) && (best === undefined || rows > best.rows)) best = { slot, rows };
    }
    return best?.slot;
  }

  /** A range with less than a few batches left ends sooner on its own than with a second worker. */
  #worthSplitting(rowsLeft: number, batchSize: number | null): boolean {
    const o = this.#ctx.options;
    return rowsLeft >= 2 * Math.max(batchSize ?? o.batchSize, o.minBatchSize);
  }

  /** A range's batch boundary: split it if asked; false when its worker is one too many. */
  async #boundary(worker: Worker, slot: Slot, conn: Sql, size: number): Promise<boolean> {
    slot.batchSize = size;
    const request = slot.request;
    // A first range splits once its first batch has given it a position.
    const span = request === undefined ? undefined : this.#in.progress.span(slot.rangeIndex);
    if (request !== undefined && (span?.position ?? span?.lowerBound ?? null) !== null) {
      slot.request = undefined;
      const split = this.#splitting.then(() => this.#split(slot, conn, size));
      this.#splitting = split.catch(() => undefined);
      try {
        request.settle(await split);
      } catch (error) {
        // A split that lost a lock wait or ran out of statement_timeout rolled back whole: the range
        // just runs on unsplit, as a batch would be retried. Anything else fails the run.
        if (!rolledBackWhole.has(sqlState(error) ?? '')) {
          request.settle('gone');
          throw error;
        }
        this.#ctx.emit({ type: 'warning', message: `range ${slot.rangeIndex} was not split: ${errorMessage(error)}` });
        request.settle('declined');
      }
    }
    if (this.#leaves(worker)) return false;
    this.#fill();
    return true;
  }

  /** Whether the worker is one too many for the target; if so it stops counting at once, so no other leaves for the same excess. */
  #leaves(worker: Worker): boolean {
    if (!worker.counted || this.#workers <= this.#wanted()) return !worker.counted;
    worker.counted = false;
    this.#workers--;
    return true;
  }

  /** Splits `slot` at a point inside what it has left; the upper part becomes a new range, held for the stealer. */
  async #split(slot: Slot, conn: Sql, size: number): Promise<Steal> {
    const ctx = this.#ctx;
    const { task, progress } = this.#in;
    const span = progress.span(slot.rangeIndex);
    const rowsLeft = progress.rowsLeft(slot.rangeIndex);
    if (span === undefined || !this.#worthSplitting(rowsLeft, size)) return 'declined';
    const point = await splitPointFor(conn, task, span, rowsLeft, progress.rowsEstimated);
    if (point === null) return 'declined';
    const rowsMoved = progress.rowsMoved(slot.rangeIndex, point.at, point.movedShare);
    const split = { migration: ctx.migration, task: task.id, rangeIndex: slot.rangeIndex, upper: slot.upper, at: point.at, rowsMoved };
    const added = await splitCursor(conn, ctx.store, split);
    if (added === undefined) return 'declined';
    progress.split(slot.rangeIndex, added, point.at, rowsMoved);
    const taken = this.#slot(span.kind, added, slot.upper, size, false);
    taken.held = true;
    slot.upper = point.at;
    this.#slots.set(added, taken);
    ctx.emit({
      type: 'range-split',
      migration: ctx.migration,
      task: task.id,
      range: slot.rangeIndex,
      newRange: added,
      at: point.at,
      rowsMoved,
    });
    return taken;
  }

  /** After every committed batch: the target hears it, and may want more workers. */
  #committed(covered: number): void {
    this.#covered += covered;
    this.#in.target.observe({ rowsCovered: this.#covered, runningMs: this.#in.governor.runningClock().ms, workers: this.#workers });
  }

  /** Workers wanted now: the target's, within what the server gave connections to. */
  #wanted(): number {
    return Math.min(this.#in.target.wanted(), this.#cap);
  }

  /**
   * The server refused a connection for one more worker (max_connections, or the role's CONNECTION
   * LIMIT) while others run: not a failure of the migration. The others go on, and no more are started.
   */
  #refused(error: unknown): void {
    const running = this.#connected;
    this.#cap = Math.min(this.#cap, running);
    this.#capWhy = `the server refused a connection for another worker (${errorMessage(error)})`;
    this.#ctx.emit({ type: 'warning', message: `going on with ${running} worker${running === 1 ? '' : 's'}: ${this.#capWhy}` });
  }

  /** The worker lets go of a range (finished, or back to the pool); a pending split request ends. */
  #release(slot: Slot): void {
    slot.held = false;
    const request = slot.request;
    slot.request = undefined;
    request?.settle('gone');
  }
}
