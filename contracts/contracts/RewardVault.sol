// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SiweAuth} from "@oasisprotocol/sapphire-contracts/contracts/auth/SiweAuth.sol";
import {ICloisterGovernance, IRewardVault, ITaskManagerOutcomes} from "./interfaces/ICloister.sol";

/// @title RewardVault
/// @notice Holds each task's reward escrow, reserves a round's reward when it is accepted and credits it to the
/// participants in pages (split by score by the TaskManager), and pays out by pull (`claim`). Balances and scores are confidential: they are read only with a
/// SiweAuth token (`login`): a participant reads its own, governance members read anyone's, others are refused.
/// @dev No event carries a per-participant amount (Sapphire events are public and would leak scores).
contract RewardVault is IRewardVault, SiweAuth, ReentrancyGuard {
    error RewardVaultNotTaskManager(address caller);
    error RewardVaultNotDeployer(address caller);
    error RewardVaultAlreadyBound(address taskManager);
    error RewardVaultZeroAddress();
    error RewardVaultInsufficientEscrow(uint256 taskId, uint256 available, uint256 required);
    error RewardVaultInsufficientReserve(uint256 taskId, uint256 available, uint256 required);
    error RewardVaultLengthMismatch(uint256 accounts, uint256 amounts);
    error RewardVaultNothingToClaim(address account);
    error RewardVaultTransferFailed(address account, uint256 amount);
    error RewardVaultNotAuthenticated();
    error RewardVaultNotParticipant(address account, uint256 taskId, uint64 round);
    error RewardVaultNotMember(address account);

    event TaskManagerBound(address indexed taskManager);
    event EscrowDeposited(uint256 indexed taskId, uint256 amount);
    event RoundRewardReserved(uint256 indexed taskId, uint64 indexed round, uint256 reward);
    event RoundCredited(uint256 indexed taskId, uint64 indexed round, uint256 amount, uint256 participants);
    event EscrowReleased(uint256 indexed taskId, uint256 amount);
    event RewardClaimed(address indexed account);

    address public immutable governance;
    address private immutable _deployer;
    address private _taskManager;
    mapping(uint256 => uint256) private _escrow;
    mapping(uint256 => uint256) private _reserved;
    mapping(address => uint256) private _pending;

    modifier onlyTaskManager() {
        if (msg.sender != _taskManager || msg.sender == address(0)) revert RewardVaultNotTaskManager(msg.sender);
        _;
    }

    /// @param governance_ The CloisterGovernance contract (its members read all scores; it receives rounding dust).
    /// @param domain_ The SIWE domain tokens are issued for (e.g. the coordinator's host).
    constructor(address governance_, string memory domain_) SiweAuth(domain_) {
        if (governance_ == address(0)) revert RewardVaultZeroAddress();
        governance = governance_;
        _deployer = msg.sender;
    }

    /// @notice Binds the TaskManager, once (deployer only; the two contracts reference each other).
    /// @param taskManager_ The TaskManager.
    function bindTaskManager(address taskManager_) external {
        if (msg.sender != _deployer) revert RewardVaultNotDeployer(msg.sender);
        if (_taskManager != address(0)) revert RewardVaultAlreadyBound(_taskManager);
        if (taskManager_ == address(0)) revert RewardVaultZeroAddress();
        _taskManager = taskManager_;
        emit TaskManagerBound(taskManager_);
    }

    /// @notice Adds `msg.value` to the escrow of `taskId` (TaskManager only, at task creation).
    /// @param taskId The task.
    function depositEscrow(uint256 taskId) external payable onlyTaskManager {
        _escrow[taskId] += msg.value;
        emit EscrowDeposited(taskId, msg.value);
    }

    /// @notice Moves an accepted round's reward from the task's escrow to its reserve (TaskManager only), so that
    /// cancelling the task cannot release what the round's participants are owed while it is credited in pages.
    /// @param taskId The task.
    /// @param round The round.
    /// @param reward The round reward.
    function reserveRoundReward(uint256 taskId, uint64 round, uint256 reward) external onlyTaskManager {
        uint256 available = _escrow[taskId];
        if (available < reward) revert RewardVaultInsufficientEscrow(taskId, available, reward);
        _escrow[taskId] = available - reward;
        _reserved[taskId] += reward;
        emit RoundRewardReserved(taskId, round, reward);
    }

    /// @notice Credits one page of an accepted round's reward from the task's reserve to the participants' pending
    /// balances, and `toGovernance` (the page's rounding remainder) to governance (TaskManager only).
    /// @param taskId The task.
    /// @param round The round.
    /// @param accounts The page's included participants.
    /// @param amounts Their shares.
    /// @param toGovernance The page's rounding remainder.
    function creditRewards(
        uint256 taskId,
        uint64 round,
        address[] calldata accounts,
        uint256[] calldata amounts,
        uint256 toGovernance
    ) external onlyTaskManager {
        if (accounts.length != amounts.length) revert RewardVaultLengthMismatch(accounts.length, amounts.length);
        uint256 total = toGovernance;
        for (uint256 i = 0; i < accounts.length; i++) {
            _pending[accounts[i]] += amounts[i];
            total += amounts[i];
        }
        uint256 available = _reserved[taskId];
        if (available < total) revert RewardVaultInsufficientReserve(taskId, available, total);
        _reserved[taskId] = available - total;
        _pending[governance] += toGovernance;
        emit RoundCredited(taskId, round, total, accounts.length);
    }

    /// @notice Credits the whole remaining escrow of a cancelled task to governance (TaskManager only).
    /// @param taskId The task.
    /// @return amount The amount released.
    function releaseEscrow(uint256 taskId) external onlyTaskManager returns (uint256 amount) {
        amount = _escrow[taskId];
        _escrow[taskId] = 0;
        _pending[governance] += amount;
        emit EscrowReleased(taskId, amount);
    }

    /// @notice Pays the caller its whole pending balance (pull payment; reentrancy guarded, state cleared first).
    function claim() external nonReentrant {
        uint256 amount = _pending[msg.sender];
        if (amount == 0) revert RewardVaultNothingToClaim(msg.sender);
        _pending[msg.sender] = 0;
        emit RewardClaimed(msg.sender);
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert RewardVaultTransferFailed(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------- confidential views

    /// @notice The token holder's claimable balance.
    /// @param token A SiweAuth token from `login`.
    function pendingRewardOf(bytes calldata token) external view returns (uint256) {
        return _pending[_caller(token)];
    }

    /// @notice The token holder's own outcome in a round it committed to.
    /// @param token A SiweAuth token from `login`.
    /// @param taskId The task.
    /// @param round The round.
    /// @return included Whether its update was aggregated.
    /// @return reason Exclusion reason code (0 if included or not yet finalized).
    /// @return score Contribution score (of 1e6).
    /// @return reward Reward credited for the round (0 until accepted).
    function scoreOf(bytes calldata token, uint256 taskId, uint64 round)
        external
        view
        returns (bool included, uint8 reason, uint32 score, uint256 reward)
    {
        address caller = _caller(token);
        bool committed;
        (committed, included, reason, score, reward) = ITaskManagerOutcomes(_taskManager).outcomeOf(
            taskId,
            round,
            caller
        );
        if (!committed) revert RewardVaultNotParticipant(caller, taskId, round);
    }

    /// @notice Any participant's outcome in a round (governance members only).
    /// @param token A SiweAuth token from `login`, of a governance member.
    /// @param taskId The task.
    /// @param round The round.
    /// @param participant The participant.
    function scoreOfParticipant(bytes calldata token, uint256 taskId, uint64 round, address participant)
        external
        view
        returns (bool committed, bool included, uint8 reason, uint32 score, uint256 reward)
    {
        address caller = _caller(token);
        if (!ICloisterGovernance(governance).isMember(caller)) revert RewardVaultNotMember(caller);
        return ITaskManagerOutcomes(_taskManager).outcomeOf(taskId, round, participant);
    }

    /// @notice The escrow left for a task (public: deposits are public anyway).
    function escrowOf(uint256 taskId) external view returns (uint256) {
        return _escrow[taskId];
    }

    /// @notice Accepted rounds' rewards of a task not yet credited to participants (public, like the escrow).
    function reservedOf(uint256 taskId) external view returns (uint256) {
        return _reserved[taskId];
    }

    /// @notice The bound TaskManager.
    function taskManager() external view returns (address) {
        return _taskManager;
    }

    function _caller(bytes memory token) private view returns (address caller) {
        caller = authMsgSender(token);
        if (caller == address(0)) revert RewardVaultNotAuthenticated();
    }
}
