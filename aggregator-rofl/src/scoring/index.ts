export { contributionScores, largestRemainder, SCORE_TOTAL, type ScoreInput } from './scores';
export { sketchOf, normAndSketch, sketchCosine, sketchSizeFor, DEFAULT_SKETCH_SIZE } from './sketch';
