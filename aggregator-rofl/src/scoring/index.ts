export { contributionScores, largestRemainder, SCORE_TOTAL, type ScoreInput } from './scores';
export { sketchOf, normAndSketch, sketchCosine, sketchSizeFor, DEFAULT_SKETCH_SIZE } from './sketch';
export { gtgShapley, leaveOneOut, memoized, scoresFromContributions, tStatistic, SIGNIFICANCE_THRESHOLD, type Coalition, type ContributionResult, type Utility } from './contribution';
export { UpdateStore, keptPrecisionFor, setCoalitionCoefficients, DEFAULT_SCORING_MEMORY_BYTES, type KeptPrecision } from './coalitions';
export { scoreRound, DEFAULT_SAMPLE_BUDGET, type RoundScores, type RoundScoresInput } from './roundScores';
