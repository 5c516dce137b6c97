import * as client from './index';

// The public surface of @cloister/client: a change here is an API change other packages (infra, simulation) see.
it('exports the documented names', () => {
  expect(Object.keys(client).sort()).toMatchSnapshot();
});
