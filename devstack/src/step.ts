/**
 * A step of an integration scenario that runs at most once, for whichever test asks for it first. Tests that build on
 * state another test made (a round, then its acceptance, then the next round) each await the steps they need and
 * assert on what the step captured when it ran, not on state a later step may have changed: so every test runs
 * alone (`jest -t`) and in any order (`jest --randomize`), and a whole file still performs each step once.
 */
export function step<T>(run: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= run());
}
