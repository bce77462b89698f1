// The library API: what a program imports to plan, run and inspect online migrations.
export { startMigration, planMigration, type StartInput } from './api/start.js';
export { resumeMigration, type ResumeInput } from './api/resume.js';
export { completeMigration, type CompleteInput } from './api/complete.js';
export { rollbackMigration, type RollbackInput } from './api/rollback.js';
export { planRevert, revertMigration, revertName, type RevertInput, type RevertPlan, type RevertResult } from './api/revert.js';
export { setMigrationPaused, type PauseInput, type PauseResult } from './api/pause.js';
export { stampDirectory, type StampInput, type StampResult, type StampedSpec, type StampAction } from './api/stamp.js';
export { stopMigration, type StopInput, type StopResult } from './api/stop.js';
export {
  migrationStatus,
  type MigrationReport,
  type BackfillProgress,
  type TaskSummary,
  type LiveState,
  type StatusInput,
} from './api/status.js';
export { statusSummary, type StatusSummary, type StatusSummaryInput, type PendingSpec } from './api/status-summary.js';
export { migrationHistory, type HistoryEntry, type PhaseSteps, type BackfillHistory } from './api/history.js';
export { planDirectory, type SpecPlan, type PlanDirectoryInput } from './api/plan-directory.js';
export { planPendingSpecs, type PendingSpecPlan, type PlanPendingInput } from './api/plan-pending.js';
export { checkDirectory, type DirectoryCheck, type FileCheck, type CheckDirectoryInput } from './api/check-directory.js';
export type { MigrationResult } from './api/run-migration.js';
export type { ConnectionInput } from './api/session.js';
export { loadSpecFile, parseSpec, specHash } from './migration-spec/load-spec.js';
export { migrationJsonSchema } from './migration-spec/json-schema.js';
export type { MigrationSpec, OperationSpec } from './migration-spec/migration-spec.js';
export type { OperationPlan, PlannedStep, BackfillTask } from './plan/plan.js';
export { planAddColumn, type AddColumnSpec, type AddColumnFacts } from './operations/add-column.js';
export { runOptionsSchema, defaultRunOptions, parseRunOptions, type RunOptions, type RunOptionsInput } from './settings/run-options.js';
export type { OnlineEvent, EventListener } from './events.js';
export * from './errors/index.js';
export { maskUrl } from './db/mask-secrets.js';
export {
  migrateDirectory,
  SpecDriftError,
  MigrateLockHeldError,
  MigrateStoppedError,
  type MigrateDirectoryInput,
  type MigrateDirectoryResult,
  type MigrateEvent,
  type MigrateMode,
  type SpecOutcome,
  type SpecAction,
  type DriftedFile,
  type MigrateLockHolder,
} from './api/migrate-directory.js';
