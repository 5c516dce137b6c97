// A site's data for a task: the dataset config loaded with the task's data section (features in model order, the
// label, the scaling). Loading checks the columns, so a site whose data does not match the schema fails at once.
import { loadDataset, type CoordinatorClient, type DatasetProvider } from '@cloister/client';

export function datasetProviderFor(path: string, _coordinator: CoordinatorClient): DatasetProvider {
  return (spec) => loadDataset(path, { task: spec.data });
}
