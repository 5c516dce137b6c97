// Workspace preset; @cloister/protocol's NodeNext sources import './x.js', which jest resolves to the .ts files.
const preset = require('../jest.preset.js')(__dirname);
module.exports = {
  ...preset,
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', ...preset.moduleNameMapper },
};
