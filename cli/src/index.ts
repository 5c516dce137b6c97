// @cloister/cli: the `cloister` command line (bin/cloister.js) and its building blocks.
export { buildProgram } from './program';
export { main, run } from './main';
export * from './errors';
export { checkTaskFolder, loadTaskFolder, specDocumentOf, type Problem } from './task/checkTask';
export { TaskFileSchema, type TaskFile } from './task/taskFile';
export { buildTemplate, statisticsTaskOf, TEMPLATES } from './task/templates';
