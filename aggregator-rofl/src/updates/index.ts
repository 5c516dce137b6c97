// The update-opening pipeline (fetch → check → fold) and its parts; see pipeline.ts.
export { runUpdatePipeline, pipelineDepthFor, DEFAULT_PIPELINE_MEMORY_BYTES, MAX_PIPELINE_DEPTH, type UpdatePipelineOptions, type LinearFoldRequest } from './pipeline';
export type { FoldTarget } from './orderedFold';
export {
  authenticate,
  openAndValidate,
  checkUpdate,
  countChecks,
  noChecks,
  zeroCounts,
  UpdateOpener,
  type UpdateToCheck,
  type CheckParams,
  type CheckResult,
  type OpenedUpdate,
  type RejectedUpdate,
  type ChecksDone,
  type CheckCounts,
} from './checks';
export { OpenerPool, InlineChecker, sharedOpenerPool, closeOpenerPool, newSlot, type UpdateChecker, type UpdateSlot, type CheckedUpdate } from './openerPool';
export { validateUpdate, type ValidUpdate, type InvalidUpdate } from './validateUpdate';
