// @cloister/simulation: many virtual participants through the real round path on one machine; round benchmark.
export * from './errors';
export { runSimulation, maxUpdateBytesFor, PHASES, type Phase, type RoundStats, type SimulationOptions, type SimulationResult } from './engine/runSimulation';
export { syntheticSource, syntheticSpec, type UpdateSource } from './engine/updateSource';
export { syntheticUpdate, syntheticModel, fillUniform, updateSeed, SYNTHETIC_TENSOR } from './participants/syntheticUpdate';
export { createParticipants, participantKey, signInAll, type VirtualParticipant } from './participants/participants';
export { startSimulationStack, SIMULATION_APP_ID_BYTES21, type SimulationStack, type SimulationStackOptions } from './stack/startSimulationStack';
export { startSimulationAggregator, type AggregationMarks, type SimulationAggregator } from './stack/aggregator';
export { peakRssBytes, rssBytes, pidListeningOn } from './stack/processes';
export { startRedis, type SimulationRedis } from './stack/redis';
export { startSimulationChain, CHAIN_CONFIG, type SimulationChain } from './stack/chain';
export { CoalescingRpc, JsonRpcBatcher, type RpcCall, type RpcOutcome } from './chain/rpc';
export { proposeAndExecute, type ProposalCall } from './chain/governance';
export { trainingSource, denseTopology, initialWeights } from './participants/trainingSource';
export { partitionIid, partitionDirichlet, localDatasets, loadSites, selectExamples, classesOf, sampleGamma, seededRandom } from './data/partition';
export { heartDiseaseConfig, HEART_FEATURES, HEART_SITES, type HeartSite } from './data/heartDisease';
export {
  applyBehaviour,
  behaviour,
  flipLabels,
  inverseNormal,
  littleIsEnoughZ,
  trains,
  FREE_RIDERS,
  POISONERS,
  type Behaviour,
  type BehaviourContext,
  type BehaviourName,
} from './attacks/behaviours';
export { mnistCnnModel, mnistCnnTopology } from '@cloister/model-runtime';
export { loadAttackData, mnistConfig, flattenFeatures, type AttackData } from './attacks/mnist';
export { runFederation, federationAddress, type FederationOptions, type FederationParticipant, type FederationRound } from './attacks/federation';
