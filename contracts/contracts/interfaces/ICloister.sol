// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

/// @notice The parts of CloisterGovernance other Cloister contracts read.
interface ICloisterGovernance {
    function isMember(address account) external view returns (bool);
}

/// @notice The parts of ParticipantRegistry the TaskManager reads.
interface IParticipantRegistry {
    function isAdmitted(uint256 taskId, address account) external view returns (bool);
}

/// @notice The parts of AggregatorRegistry the TaskManager reads.
interface IAggregatorRegistry {
    function appId() external view returns (bytes21);
}

/// @notice What the TaskManager calls on the RewardVault.
interface IRewardVault {
    function depositEscrow(uint256 taskId) external payable;

    function reserveRoundReward(uint256 taskId, uint64 round, uint256 reward) external;

    function creditRewards(
        uint256 taskId,
        uint64 round,
        address[] calldata accounts,
        uint256[] calldata amounts,
        uint256 toGovernance
    ) external;

    function releaseEscrow(uint256 taskId) external returns (uint256 amount);
}

/// @notice What the RewardVault reads from the TaskManager (restricted to the vault: scores are confidential).
interface ITaskManagerOutcomes {
    function outcomeOf(uint256 taskId, uint64 round, address account)
        external
        view
        returns (bool committed, bool included, uint8 reason, uint32 score, uint256 reward);
}
