// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {AggregatorOrigin} from "./AggregatorOrigin.sol";
import {
    IAggregatorRegistry,
    IParticipantRegistry,
    IRewardVault,
    ITaskManagerOutcomes
} from "./interfaces/ICloister.sol";

/// @title TaskManager
/// @notice Federated-learning tasks and their rounds (see ROUNDS.md): governance approves a task and escrows its
/// rewards; the operator opens rounds; admitted participants commit the hash of their sealed update; anyone closes
/// a round after its deadline (or once it is full); only an authorized instance of the registered ROFL app finalizes
/// it: it reports every committed participant's outcome in pages (`reportOutcomes`: included with a score, or
/// excluded with a reason) and then publishes the new model (`finalizeRound`, which enforces the privacy floor: at
/// least minParticipants included), or it fails the round with a reason (`failRound`). After the challenge window
/// anyone accepts it (the round reward is reserved in the RewardVault) and anyone credits the participants' shares in
/// pages (`creditRewards`), unless governance rejected it.
/// @dev A failed or rejected round is reopened under the same number with a new `attempt`; commitments and outcomes
/// are keyed by (taskId, round, attempt), so a reopened round starts from an empty committed set.
/// Scores are kept private (Sapphire storage is confidential); they never appear in events or public views.
contract TaskManager is ITaskManagerOutcomes {
    /// Score total of a finalized round with at least one included participant.
    uint32 public constant SCORE_TOTAL = 1_000_000;
    /// Highest exclusion reason code (see EXCLUSION_REASON in docs/interfaces.md).
    uint8 public constant MAX_EXCLUSION_REASON = 10;
    /// Round failure reasons (ROUND_FAILURE_REASON in docs/interfaces.md). closeRound emits TOO_FEW_COMMITMENTS;
    /// the aggregator's failRound takes BELOW_PRIVACY_FLOOR (2) up to MAX_FAILURE_REASON.
    uint8 public constant TOO_FEW_COMMITMENTS = 1;
    uint8 public constant BELOW_PRIVACY_FLOOR = 2;
    uint8 public constant MAX_FAILURE_REASON = 5;

    enum RoundState {
        None,
        Open,
        Closed,
        Failed,
        Finalized,
        Accepted,
        Rejected
    }

    struct TaskParams {
        bytes32 modelSpecHash;
        bytes32 initialModelHash;
        string initialModelUri;
        bytes32 dataSchemaHash;
        uint32 minParticipants;
        uint32 maxParticipants;
        uint64 roundDuration;
        uint32 numRounds;
        uint256 rewardPerRound;
    }

    struct Task {
        TaskParams params;
        uint64 createdAt;
        uint64 currentRound;
        uint32 acceptedRounds;
        bool cancelled;
        bytes32 currentModelHash;
        string currentModelUri;
    }

    struct Round {
        RoundState state;
        uint32 attempt;
        uint64 openedAt;
        uint64 deadline;
        uint32 committedCount;
        uint32 includedCount;
        uint64 finalizedAt;
        uint64 challengeEndsAt;
        // Outcome pages reported so far (included + excluded accounts) and the running sum of their scores.
        uint32 reportedCount;
        uint32 scoreSum;
        // Reward crediting after acceptance: committed accounts visited so far and the scores already credited.
        uint32 creditedCount;
        uint32 creditedScore;
        // ROUND_FAILURE_REASON when the round failed (0 otherwise).
        uint8 failureReason;
        bytes32 previousModelHash;
        bytes32 modelHash;
        string modelUri;
        bytes32 metricsHash;
    }

    struct Outcome {
        uint8 kind; // 0 none, 1 included, 2 excluded
        uint8 reason;
        uint32 score;
    }

    uint8 private constant _INCLUDED = 1;
    uint8 private constant _EXCLUDED = 2;

    error TaskManagerNotGovernance(address caller);
    error TaskManagerNotOperator(address caller);
    error TaskManagerNotRewardVault(address caller);
    error TaskManagerZeroAddress();
    error TaskManagerInvalidParams(string reason);
    error TaskManagerEscrowMismatch(uint256 expected, uint256 received);
    error TaskManagerUnknownTask(uint256 taskId);
    error TaskManagerTaskCancelled(uint256 taskId);
    error TaskManagerTaskCompleted(uint256 taskId);
    error TaskManagerRoundInProgress(uint256 taskId, uint64 round, RoundState state);
    error TaskManagerRoundNotInState(uint256 taskId, uint64 round, RoundState expected, RoundState actual);
    error TaskManagerDeadlinePassed(uint256 taskId, uint64 round, uint64 deadline);
    error TaskManagerRoundStillOpen(uint256 taskId, uint64 round, uint64 deadline);
    error TaskManagerNotAdmitted(uint256 taskId, address account);
    error TaskManagerZeroHash();
    error TaskManagerAlreadyCommitted(uint256 taskId, uint64 round, address participant);
    error TaskManagerRoundFull(uint256 taskId, uint64 round, uint32 maxParticipants);
    error TaskManagerLengthMismatch(uint256 accounts, uint256 values);
    error TaskManagerSetMismatch(uint256 committed, uint256 reported);
    error TaskManagerNotCommitted(address participant);
    error TaskManagerDuplicateParticipant(address participant);
    error TaskManagerInvalidReason(address participant, uint8 reason);
    error TaskManagerScoreSumInvalid(uint256 expected, uint256 actual);
    error TaskManagerChallengeWindowOpen(uint256 taskId, uint64 round, uint64 challengeEndsAt);
    error TaskManagerChallengeWindowClosed(uint256 taskId, uint64 round, uint64 challengeEndsAt);
    error TaskManagerBelowPrivacyFloor(uint256 taskId, uint64 round, uint32 included, uint32 minParticipants);
    error TaskManagerInvalidFailureReason(uint8 reason);
    error TaskManagerRewardsCredited(uint256 taskId, uint64 round);
    error TaskManagerZeroPageSize();

    event TaskCreated(
        uint256 indexed taskId,
        bytes32 modelSpecHash,
        bytes32 initialModelHash,
        uint32 numRounds,
        uint256 rewardPerRound
    );
    event TaskCancelled(uint256 indexed taskId, uint256 escrowReleased);
    event RoundOpened(uint256 indexed taskId, uint64 indexed round, uint64 deadline, bytes32 previousModelHash);
    event UpdateCommitted(
        uint256 indexed taskId,
        uint64 indexed round,
        address indexed participant,
        bytes32 ciphertextHash
    );
    event RoundClosed(uint256 indexed taskId, uint64 indexed round, uint32 committedCount);
    event RoundFailed(uint256 indexed taskId, uint64 indexed round, uint32 committedCount, uint8 reason);
    event OutcomesReported(
        uint256 indexed taskId,
        uint64 indexed round,
        uint32 includedCount,
        uint32 excludedCount,
        uint32 reportedCount
    );
    event RoundFinalized(
        uint256 indexed taskId,
        uint64 indexed round,
        bytes32 modelHash,
        string modelUri,
        uint32 includedCount,
        uint32 excludedCount,
        bytes32 metricsHash
    );
    event RoundAccepted(uint256 indexed taskId, uint64 indexed round, bytes32 modelHash);
    event RewardsCredited(uint256 indexed taskId, uint64 indexed round, uint32 creditedCount, bool done);
    event RoundRejected(uint256 indexed taskId, uint64 indexed round);
    event OperatorChanged(address indexed previousOperator, address indexed operator);
    event ChallengeWindowChanged(uint64 challengeWindow);

    address public immutable governance;
    IParticipantRegistry public immutable participantRegistry;
    IAggregatorRegistry public immutable aggregatorRegistry;
    IRewardVault public immutable rewardVault;

    address private _operator;
    uint64 private _challengeWindow;
    uint256 private _taskCount;
    mapping(uint256 => Task) private _tasks;
    mapping(uint256 => mapping(uint64 => Round)) private _rounds;
    mapping(bytes32 => address[]) private _committed;
    mapping(bytes32 => mapping(address => bytes32)) private _commitments;
    mapping(bytes32 => mapping(address => Outcome)) private _outcomes;

    modifier onlyGovernance() {
        if (msg.sender != governance) revert TaskManagerNotGovernance(msg.sender);
        _;
    }

    /// @param governance_ The CloisterGovernance contract.
    /// @param participantRegistry_ The ParticipantRegistry.
    /// @param aggregatorRegistry_ The AggregatorRegistry (source of the ROFL app id).
    /// @param rewardVault_ The RewardVault (escrow and payouts).
    /// @param operator_ The coordinator's operator account (opens rounds).
    /// @param challengeWindow_ Seconds after finalization during which governance may reject a round.
    constructor(
        address governance_,
        address participantRegistry_,
        address aggregatorRegistry_,
        address rewardVault_,
        address operator_,
        uint64 challengeWindow_
    ) {
        if (
            governance_ == address(0) ||
            participantRegistry_ == address(0) ||
            aggregatorRegistry_ == address(0) ||
            rewardVault_ == address(0) ||
            operator_ == address(0)
        ) revert TaskManagerZeroAddress();
        governance = governance_;
        participantRegistry = IParticipantRegistry(participantRegistry_);
        aggregatorRegistry = IAggregatorRegistry(aggregatorRegistry_);
        rewardVault = IRewardVault(rewardVault_);
        _operator = operator_;
        _challengeWindow = challengeWindow_;
        emit OperatorChanged(address(0), operator_);
        emit ChallengeWindowChanged(challengeWindow_);
    }

    // ------------------------------------------------------------------------------------------ governance

    /// @notice Approves a task and escrows its rewards (governance only; `msg.value` must equal
    /// `rewardPerRound * numRounds`).
    /// @param params The task parameters.
    /// @return taskId The new task id (starting at 1).
    function createTask(TaskParams calldata params) external payable onlyGovernance returns (uint256 taskId) {
        if (params.minParticipants == 0) revert TaskManagerInvalidParams("minParticipants");
        if (params.maxParticipants < params.minParticipants) revert TaskManagerInvalidParams("maxParticipants");
        if (params.roundDuration == 0) revert TaskManagerInvalidParams("roundDuration");
        if (params.numRounds == 0) revert TaskManagerInvalidParams("numRounds");
        if (params.initialModelHash == bytes32(0)) revert TaskManagerInvalidParams("initialModelHash");
        uint256 escrow = params.rewardPerRound * params.numRounds;
        if (msg.value != escrow) revert TaskManagerEscrowMismatch(escrow, msg.value);
        taskId = ++_taskCount;
        Task storage t = _tasks[taskId];
        t.params = params;
        t.createdAt = uint64(block.timestamp);
        t.currentModelHash = params.initialModelHash;
        t.currentModelUri = params.initialModelUri;
        emit TaskCreated(taskId, params.modelSpecHash, params.initialModelHash, params.numRounds, params.rewardPerRound);
        rewardVault.depositEscrow{value: msg.value}(taskId);
    }

    /// @notice Cancels a task (governance only): no more rounds open or get accepted, and the remaining escrow is
    /// credited to governance in the RewardVault.
    /// @param taskId The task.
    function cancelTask(uint256 taskId) external onlyGovernance {
        Task storage t = _task(taskId);
        if (t.cancelled) revert TaskManagerTaskCancelled(taskId);
        t.cancelled = true;
        uint256 released = rewardVault.releaseEscrow(taskId);
        emit TaskCancelled(taskId, released);
    }

    /// @notice Rejects a finalized round within its challenge window (governance only). The round can be reopened.
    /// @param taskId The task.
    /// @param round The round.
    function rejectRound(uint256 taskId, uint64 round) external onlyGovernance {
        Round storage rd = _roundIn(taskId, round, RoundState.Finalized);
        if (block.timestamp >= rd.challengeEndsAt) {
            revert TaskManagerChallengeWindowClosed(taskId, round, rd.challengeEndsAt);
        }
        rd.state = RoundState.Rejected;
        emit RoundRejected(taskId, round);
    }

    /// @notice Changes the operator (governance only).
    /// @param newOperator The new operator account.
    function setOperator(address newOperator) external onlyGovernance {
        if (newOperator == address(0)) revert TaskManagerZeroAddress();
        emit OperatorChanged(_operator, newOperator);
        _operator = newOperator;
    }

    /// @notice Changes the challenge window for rounds finalized from now on (governance only).
    /// @param newChallengeWindow Seconds.
    function setChallengeWindow(uint64 newChallengeWindow) external onlyGovernance {
        _challengeWindow = newChallengeWindow;
        emit ChallengeWindowChanged(newChallengeWindow);
    }

    // ---------------------------------------------------------------------------------------------- rounds

    /// @notice Opens the next round of a task (operator only): round 1, `currentRound + 1` after an accepted
    /// round, or the current round again (new attempt) after it failed or was rejected.
    /// @param taskId The task.
    /// @return round The opened round number.
    function openRound(uint256 taskId) external returns (uint64 round) {
        if (msg.sender != _operator) revert TaskManagerNotOperator(msg.sender);
        Task storage t = _task(taskId);
        if (t.cancelled) revert TaskManagerTaskCancelled(taskId);
        round = t.currentRound;
        if (round == 0) {
            round = 1;
        } else {
            RoundState state = _rounds[taskId][round].state;
            if (state == RoundState.Accepted) {
                if (round >= t.params.numRounds) revert TaskManagerTaskCompleted(taskId);
                round += 1;
            } else if (state != RoundState.Failed && state != RoundState.Rejected) {
                revert TaskManagerRoundInProgress(taskId, round, state);
            }
        }
        t.currentRound = round;
        Round storage rd = _rounds[taskId][round];
        uint32 attempt = rd.attempt + 1;
        delete _rounds[taskId][round];
        rd.state = RoundState.Open;
        rd.attempt = attempt;
        rd.openedAt = uint64(block.timestamp);
        rd.deadline = uint64(block.timestamp) + t.params.roundDuration;
        rd.previousModelHash = t.currentModelHash;
        emit RoundOpened(taskId, round, rd.deadline, rd.previousModelHash);
    }

    /// @notice Commits the caller's sealed update hash for an open round (admitted participants, once per round,
    /// before the deadline, while the round is not full).
    /// @param taskId The task.
    /// @param round The round (must be open).
    /// @param ciphertextHash sha256 of the HPKE ciphertext (non-zero).
    function commit(uint256 taskId, uint64 round, bytes32 ciphertextHash) external {
        Round storage rd = _roundIn(taskId, round, RoundState.Open);
        if (block.timestamp >= rd.deadline) revert TaskManagerDeadlinePassed(taskId, round, rd.deadline);
        if (!participantRegistry.isAdmitted(taskId, msg.sender)) revert TaskManagerNotAdmitted(taskId, msg.sender);
        if (ciphertextHash == bytes32(0)) revert TaskManagerZeroHash();
        bytes32 key = _roundKey(taskId, round, rd.attempt);
        if (_commitments[key][msg.sender] != bytes32(0)) {
            revert TaskManagerAlreadyCommitted(taskId, round, msg.sender);
        }
        uint32 maxParticipants = _tasks[taskId].params.maxParticipants;
        if (rd.committedCount >= maxParticipants) revert TaskManagerRoundFull(taskId, round, maxParticipants);
        _commitments[key][msg.sender] = ciphertextHash;
        _committed[key].push(msg.sender);
        rd.committedCount += 1;
        emit UpdateCommitted(taskId, round, msg.sender, ciphertextHash);
    }

    /// @notice Closes an open round after its deadline, or earlier once maxParticipants committed (anyone).
    /// With fewer than minParticipants commitments the round fails (it can be reopened).
    /// @param taskId The task.
    /// @param round The round.
    function closeRound(uint256 taskId, uint64 round) external {
        Round storage rd = _roundIn(taskId, round, RoundState.Open);
        TaskParams storage p = _tasks[taskId].params;
        if (block.timestamp < rd.deadline && rd.committedCount < p.maxParticipants) {
            revert TaskManagerRoundStillOpen(taskId, round, rd.deadline);
        }
        if (rd.committedCount < p.minParticipants) {
            _fail(taskId, round, rd, TOO_FEW_COMMITMENTS);
        } else {
            rd.state = RoundState.Closed;
            emit RoundClosed(taskId, round, rd.committedCount);
        }
    }

    /// @notice Fails a closed round with a reason; only from an authorized origin (TEE instance) of the registered
    /// ROFL app. The aggregator calls it instead of finalizing when it must not publish (fewer included than
    /// minParticipants) or cannot (a spec it refuses, a previous model it cannot verify, an unrecoverable error).
    /// The operator may reopen the round as a new attempt, as after any failure.
    /// @param taskId The task.
    /// @param round The round (must be closed).
    /// @param reason A ROUND_FAILURE_REASON code from BELOW_PRIVACY_FLOOR (2) to MAX_FAILURE_REASON (5).
    function failRound(uint256 taskId, uint64 round, uint8 reason) external {
        AggregatorOrigin.ensureAuthorized(aggregatorRegistry);
        Round storage rd = _roundIn(taskId, round, RoundState.Closed);
        if (reason < BELOW_PRIVACY_FLOOR || reason > MAX_FAILURE_REASON) revert TaskManagerInvalidFailureReason(reason);
        _fail(taskId, round, rd, reason);
    }

    /// @notice Reports one page of a closed round's outcomes; only from an authorized origin of the registered ROFL
    /// app. Any number of pages, each account once across all of them; each must have committed in this attempt.
    /// The running score sum may not exceed 1e6; `reasons` are EXCLUSION_REASON codes 1..10.
    /// @param taskId The task.
    /// @param round The round (must be closed).
    /// @param included Participants whose updates were aggregated.
    /// @param scores Their contribution scores (of 1e6 for the whole round).
    /// @param excluded Participants left out.
    /// @param reasons Why each was left out.
    function reportOutcomes(
        uint256 taskId,
        uint64 round,
        address[] calldata included,
        uint32[] calldata scores,
        address[] calldata excluded,
        uint8[] calldata reasons
    ) external {
        AggregatorOrigin.ensureAuthorized(aggregatorRegistry);
        Round storage rd = _roundIn(taskId, round, RoundState.Closed);
        if (included.length != scores.length) revert TaskManagerLengthMismatch(included.length, scores.length);
        if (excluded.length != reasons.length) revert TaskManagerLengthMismatch(excluded.length, reasons.length);
        bytes32 key = _roundKey(taskId, round, rd.attempt);
        uint256 sum = rd.scoreSum;
        for (uint256 i = 0; i < included.length; i++) {
            address account = _checkUnseenCommitted(key, included[i]);
            _outcomes[key][account] = Outcome({kind: _INCLUDED, reason: 0, score: scores[i]});
            sum += scores[i];
        }
        if (sum > SCORE_TOTAL) revert TaskManagerScoreSumInvalid(SCORE_TOTAL, sum);
        for (uint256 i = 0; i < excluded.length; i++) {
            address account = _checkUnseenCommitted(key, excluded[i]);
            uint8 reason = reasons[i];
            if (reason == 0 || reason > MAX_EXCLUSION_REASON) revert TaskManagerInvalidReason(account, reason);
            _outcomes[key][account] = Outcome({kind: _EXCLUDED, reason: reason, score: 0});
        }
        rd.scoreSum = uint32(sum);
        rd.includedCount += uint32(included.length);
        rd.reportedCount += uint32(included.length + excluded.length);
        emit OutcomesReported(
            taskId,
            round,
            uint32(included.length),
            uint32(excluded.length),
            rd.reportedCount
        );
    }

    /// @notice Publishes a closed round's new model once every committed participant's outcome is reported; only
    /// from an authorized origin of the registered ROFL app. Enforces the privacy floor (at least minParticipants
    /// included: fewer would publish an aggregate of too few updates) and that the scores sum to 1e6, or to 0 when no
    /// included update contributed (the round reward then goes to governance whole).
    /// @param taskId The task.
    /// @param round The round (must be closed).
    /// @param modelHash sha256 of the new global model file (non-zero).
    /// @param modelUri Where the model is stored (e.g. `blobs/<sha256 hex>`).
    /// @param metricsHash Hash of the round's metrics document.
    function finalizeRound(
        uint256 taskId,
        uint64 round,
        bytes32 modelHash,
        string calldata modelUri,
        bytes32 metricsHash
    ) external {
        AggregatorOrigin.ensureAuthorized(aggregatorRegistry);
        Round storage rd = _roundIn(taskId, round, RoundState.Closed);
        if (modelHash == bytes32(0)) revert TaskManagerZeroHash();
        if (rd.reportedCount != rd.committedCount) revert TaskManagerSetMismatch(rd.committedCount, rd.reportedCount);
        uint32 minParticipants = _tasks[taskId].params.minParticipants;
        if (rd.includedCount < minParticipants) {
            revert TaskManagerBelowPrivacyFloor(taskId, round, rd.includedCount, minParticipants);
        }
        // A sum of 0 says no included update contributed (validation-based scores): the whole round reward then goes
        // to governance, instead of an equal split that would pay free-riders.
        if (rd.scoreSum != SCORE_TOTAL && rd.scoreSum != 0) revert TaskManagerScoreSumInvalid(SCORE_TOTAL, rd.scoreSum);
        rd.state = RoundState.Finalized;
        rd.modelHash = modelHash;
        rd.modelUri = modelUri;
        rd.metricsHash = metricsHash;
        rd.finalizedAt = uint64(block.timestamp);
        rd.challengeEndsAt = uint64(block.timestamp) + _challengeWindow;
        emit RoundFinalized(
            taskId,
            round,
            modelHash,
            modelUri,
            rd.includedCount,
            rd.committedCount - rd.includedCount,
            metricsHash
        );
    }

    /// @notice Accepts a finalized round once its challenge window is over (anyone): its model becomes the task's
    /// current model and the round reward is reserved in the RewardVault; `creditRewards` then splits it by score.
    /// @param taskId The task.
    /// @param round The round.
    function acceptRound(uint256 taskId, uint64 round) external {
        Round storage rd = _roundIn(taskId, round, RoundState.Finalized);
        if (block.timestamp < rd.challengeEndsAt) {
            revert TaskManagerChallengeWindowOpen(taskId, round, rd.challengeEndsAt);
        }
        Task storage t = _tasks[taskId];
        if (t.cancelled) revert TaskManagerTaskCancelled(taskId);
        rd.state = RoundState.Accepted;
        t.currentModelHash = rd.modelHash;
        t.currentModelUri = rd.modelUri;
        t.acceptedRounds += 1;
        emit RoundAccepted(taskId, round, rd.modelHash);
        rewardVault.reserveRoundReward(taskId, round, t.params.rewardPerRound);
    }

    /// @notice Credits the next `maxAccounts` committed participants' shares of an accepted round's reward in the
    /// RewardVault (anyone; call until `RewardsCredited` says done). Each included participant gets
    /// `reward * score / 1e6` (floor); the rounding remainder goes to governance, so the pages together credit
    /// exactly the round reward.
    /// @param taskId The task.
    /// @param round The round (must be accepted).
    /// @param maxAccounts How many committed accounts this call visits (bounds its gas).
    /// @return done Whether every committed participant has now been credited.
    function creditRewards(uint256 taskId, uint64 round, uint32 maxAccounts) external returns (bool done) {
        if (maxAccounts == 0) revert TaskManagerZeroPageSize();
        Round storage rd = _roundIn(taskId, round, RoundState.Accepted);
        uint32 from = rd.creditedCount;
        uint32 total = rd.committedCount;
        if (from == total) revert TaskManagerRewardsCredited(taskId, round);
        uint32 to = total - from > maxAccounts ? from + maxAccounts : total;
        done = to == total;
        (address[] memory accounts, uint256[] memory amounts, uint256 toGovernance) = _sharesOf(taskId, round, rd, to);
        emit RewardsCredited(taskId, round, to, done);
        rewardVault.creditRewards(taskId, round, accounts, amounts, toGovernance);
    }

    // ----------------------------------------------------------------------------------------------- views

    /// @notice The task with this id.
    function getTask(uint256 taskId) external view returns (Task memory) {
        return _task(taskId);
    }

    /// @notice Number of tasks created so far (ids are 1..taskCount).
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @notice The latest round opened for the task (0 before the first).
    function currentRound(uint256 taskId) external view returns (uint64) {
        return _task(taskId).currentRound;
    }

    /// @notice A round's public state (its latest attempt).
    function getRound(uint256 taskId, uint64 round) external view returns (Round memory) {
        return _rounds[taskId][round];
    }

    /// @notice The ciphertext hash `participant` committed in the round's latest attempt (zero if none).
    function commitmentOf(uint256 taskId, uint64 round, address participant) external view returns (bytes32) {
        return _commitments[_roundKey(taskId, round, _rounds[taskId][round].attempt)][participant];
    }

    /// @notice The participants who committed in the round's latest attempt, in commit order.
    function committedParticipants(uint256 taskId, uint64 round) external view returns (address[] memory) {
        return _committed[_roundKey(taskId, round, _rounds[taskId][round].attempt)];
    }

    /// @notice The operator account.
    function operator() external view returns (address) {
        return _operator;
    }

    /// @notice Seconds after finalization during which governance may reject a round.
    function challengeWindow() external view returns (uint64) {
        return _challengeWindow;
    }

    /// @notice A participant's confidential outcome in a round (RewardVault only; the vault enforces who may see it).
    /// @return committed Whether the account committed in the round's latest attempt.
    /// @return included Whether it was included by the aggregator.
    /// @return reason Exclusion reason (0 if included or not finalized).
    /// @return score Contribution score (of 1e6).
    /// @return reward Reward credited for this round (0 until accepted).
    function outcomeOf(uint256 taskId, uint64 round, address account)
        external
        view
        returns (bool committed, bool included, uint8 reason, uint32 score, uint256 reward)
    {
        if (msg.sender != address(rewardVault)) revert TaskManagerNotRewardVault(msg.sender);
        Round storage rd = _rounds[taskId][round];
        bytes32 key = _roundKey(taskId, round, rd.attempt);
        Outcome storage o = _outcomes[key][account];
        committed = _commitments[key][account] != bytes32(0);
        included = o.kind == _INCLUDED;
        reason = o.reason;
        score = o.score;
        if (included && rd.state == RoundState.Accepted) {
            reward = (_tasks[taskId].params.rewardPerRound * score) / SCORE_TOTAL;
        }
    }

    // -------------------------------------------------------------------------------------------- internal

    function _task(uint256 taskId) private view returns (Task storage t) {
        if (taskId == 0 || taskId > _taskCount) revert TaskManagerUnknownTask(taskId);
        t = _tasks[taskId];
    }

    function _roundIn(uint256 taskId, uint64 round, RoundState expected) private view returns (Round storage rd) {
        rd = _rounds[taskId][round];
        if (rd.state != expected) revert TaskManagerRoundNotInState(taskId, round, expected, rd.state);
    }

    function _roundKey(uint256 taskId, uint64 round, uint32 attempt) private pure returns (bytes32) {
        return keccak256(abi.encode(taskId, round, attempt));
    }


    /// @dev Moves the round's credit cursor to `to` and returns the included accounts among the committed ones
    /// passed over, their shares `reward * score / 1e6`, and the page's rounding remainder for governance. Cumulative
    /// floors: the pages' totals add up to floor(reward * 1e6 / 1e6) = reward, whatever the paging.
    function _sharesOf(uint256 taskId, uint64 round, Round storage rd, uint32 to)
        private
        returns (address[] memory accounts, uint256[] memory amounts, uint256 toGovernance)
    {
        bytes32 key = _roundKey(taskId, round, rd.attempt);
        address[] storage committed = _committed[key];
        uint256 from = rd.creditedCount;
        uint256 reward = _tasks[taskId].params.rewardPerRound;
        uint256 scoreBefore = rd.creditedScore;
        uint256 scoreAfter = scoreBefore;
        accounts = new address[](to - from);
        amounts = new uint256[](to - from);
        uint256 credited = 0;
        uint256 n = 0;
        for (uint256 i = from; i < to; i++) {
            address account = committed[i];
            Outcome storage o = _outcomes[key][account];
            if (o.kind == _INCLUDED) {
                accounts[n] = account;
                amounts[n] = (reward * o.score) / SCORE_TOTAL;
                credited += amounts[n];
                scoreAfter += o.score;
                n++;
            }
        }
        // Trim the arrays to the included accounts found (n <= allocated length, so this only shortens them).
        // solhint-disable-next-line no-inline-assembly
        assembly {
            mstore(accounts, n)
            mstore(amounts, n)
        }
        uint256 pageTotal = (to == rd.committedCount ? reward : (reward * scoreAfter) / SCORE_TOTAL) -
            (reward * scoreBefore) / SCORE_TOTAL;
        toGovernance = pageTotal - credited;
        rd.creditedCount = to;
        rd.creditedScore = uint32(scoreAfter);
    }

    function _fail(uint256 taskId, uint64 round, Round storage rd, uint8 reason) private {
        rd.state = RoundState.Failed;
        rd.failureReason = reason;
        emit RoundFailed(taskId, round, rd.committedCount, reason);
    }

    /// @dev Each account must have committed in this attempt and have no outcome yet (the outcome doubles as the
    /// "seen" marker), so with finalizeRound's count check the reported pages partition the committed set.
    function _checkUnseenCommitted(bytes32 key, address account) private view returns (address) {
        if (_commitments[key][account] == bytes32(0)) revert TaskManagerNotCommitted(account);
        if (_outcomes[key][account].kind != 0) revert TaskManagerDuplicateParticipant(account);
        return account;
    }
}
