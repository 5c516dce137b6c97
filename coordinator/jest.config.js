// Workspace packages written as NodeNext sources import './x.js'; jest resolves those to the .ts files.
const preset = require('../jest.preset.js')(__dirname);
module.exports = {
  ...preset,
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', ...preset.moduleNameMapper },
};
