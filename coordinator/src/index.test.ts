import * as api from './index';

// Makes changes to the package's public API visible in review.
it('exports a stable set of names', () => {
  expect(Object.keys(api).sort()).toMatchSnapshot();
});
