// Assembles every summary of a finished bench into the results the report and --json-out are made of.
import { approaches, onlineDefaults, partitionedComparison, referenceIds, skewPair } from './approaches/index.js';
import type { BenchArgs } from './bench-args.js';
import {
  runsOf,
  summarizeBaseline,
  summarizeCeiling,
  summarizeMode,
  summarizeScaling,
  summarizeSkew,
  type BenchResults,
  type ReferenceRuns,
} from './bench-summary.js';
import { isDurable, type MachineInfo } from './machine-info.js';
import { offlineCeilings } from './offline-ceilings.js';
import { summarizePartitioned } from './partitioned-summary.js';
import type { CeilingRecord } from './run-ceiling.js';
import type { RunRecord } from './run-once.js';

export interface BenchMeasurements {
  readonly records: readonly RunRecord[];
  readonly ceilings: readonly CeilingRecord[];
  /** online defaults (and the single UPDATE, when it ran), idle, at 4× the rows. */
  readonly scaled: readonly RunRecord[];
  readonly loadAverageAtEnd: readonly number[];
}

export function benchResults(args: BenchArgs, machine: MachineInfo, m: BenchMeasurements): BenchResults {
  const reference = (id: string, mode: 'idle' | 'load'): RunRecord[] => runsOf(m.records, id, mode);
  const references = (mode: 'idle' | 'load'): ReferenceRuns => ({
    singleUpdate: reference(referenceIds.singleUpdate, mode),
    keyset: reference(referenceIds.keyset, mode),
    keysetSameJob: reference(referenceIds.keysetSameJob, mode),
  });
  return {
    // The URL may hold a password, and the output path says nothing about the figures.
    settings: {
      rows: args.rows,
      repeat: args.repeat,
      approaches: args.approaches,
      loadApproaches: args.loadApproaches,
      unsafeFast: args.unsafeFast,
      offsetBudgetSeconds: args.offsetBudgetSeconds,
      baselineSeconds: args.baselineSeconds,
      oltpConnections: args.oltpConnections,
      thinkMs: args.thinkMs,
      scaling: args.scaling,
      otherOperations: args.otherOperations,
    },
    durable: !args.unsafeFast && isDurable(machine.settings),
    machine,
    loadAverageAtEnd: m.loadAverageAtEnd,
    approaches: args.approaches.map((id) => ({
      id,
      label: approaches.get(id)?.label ?? id,
      idle: summarizeMode(reference(id, 'idle'), references('idle')),
      load: summarizeMode(reference(id, 'load'), references('load')),
    })),
    baseline: summarizeBaseline(m.records),
    skew: summarizeSkew(
      reference(skewPair.skewed, 'idle'),
      reference(skewPair.uniform, 'idle'),
      reference(skewPair.skewedSingle, 'idle'),
      reference(skewPair.uniformSingle, 'idle'),
    ),
    partitioned: summarizePartitioned(m.records, partitionedComparison.pairs, partitionedComparison.update),
    ceilings: offlineCeilings.flatMap((c) => {
      const summary = summarizeCeiling(
        c,
        m.ceilings.filter((r) => r.operation === c.id),
      );
      return summary === null ? [] : [summary];
    }),
    scaling: summarizeScaling(
      { base: reference(onlineDefaults.id, 'idle'), scaled: runsOf(m.scaled, onlineDefaults.id, 'idle') },
      { base: reference(referenceIds.singleUpdate, 'idle'), scaled: runsOf(m.scaled, referenceIds.singleUpdate, 'idle') },
    ),
  };
}
