/**
 * TaskManager.TaskParams in plain types: the hashes as 0x hex, the participant bounds, the round count and the round
 * duration (seconds) as numbers, the reward per round in wei.
 */
export type TaskParams = {
  modelSpecHash: string;
  initialModelHash: string;
  initialModelUri: string;
  dataSchemaHash: string;
  minParticipants: number;
  maxParticipants: number;
  roundDuration: number;
  numRounds: number;
  rewardPerRound: bigint;
};
