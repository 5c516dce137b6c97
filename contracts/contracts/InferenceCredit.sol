// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SiweAuth} from "@oasisprotocol/sapphire-contracts/contracts/auth/SiweAuth.sol";
import {AggregatorOrigin} from "./AggregatorOrigin.sol";
import {IAggregatorRegistry} from "./interfaces/ICloister.sol";
import {TaskManager} from "./TaskManager.sol";

/// @title InferenceCredit
/// @notice Paid confidential inference: governance sets a price per predicted row for each task and can pause a
/// task's inference; queriers prepay credit; the aggregator's TEE answers sealed queries and settles their usage here
/// in batches (authorized ROFL origin). Each (task, querier, request id) is charged at most once: a settled request
/// is refused a second time, whichever aggregator instance or retry sends it. The revenue of a task goes to its
/// contributors in proportion to their contribution scores summed over its accepted rounds.
/// @dev Revenue rule (docs/design/model-access.md): a settlement of amount A for task T is split over the
/// contributors by their weight w_i = sum of their scores (of 1e6) in the accepted rounds of T whose scores were
/// activated before that settlement. The split uses an accumulator (revenue per unit of weight, scaled by 1e18):
/// the part of A lost to floor division (at most `totalWeight / 1e18 + 1` wei) is credited to governance at once,
/// and each contributor's claim floors once more (less than 1 wei per contributor per weight change stays in the
/// contract). Revenue settled before any round of T is activated is held and split at the next settlement after
/// one is. Scores come from the TEE that computed them (`recordContributions`, once per round attempt) and count
/// only once TaskManager shows that attempt accepted (`activateContributions`, run by every settlement).
/// Credit balances are public (deposits are public transactions); revenue balances are read with a SiweAuth token.
contract InferenceCredit is SiweAuth, ReentrancyGuard {
    error InferenceCreditNotGovernance(address caller);
    error InferenceCreditZeroAddress();
    error InferenceCreditZeroDeposit();
    error InferenceCreditLengthMismatch(uint256 requestIds, uint256 queriers, uint256 rows);
    error InferenceCreditNothingToClaim(address account, uint256 taskId);
    error InferenceCreditNotAuthenticated();
    error InferenceCreditScoresInvalid(uint256 taskId, uint64 round);
    error InferenceCreditRoundNotAccepted(uint256 taskId, uint64 round);

    event PriceChanged(uint256 indexed taskId, uint256 pricePerRow);
    event InferencePaused(uint256 indexed taskId, bool paused);
    event CreditDeposited(address indexed querier, uint256 amount);
    /// A request was charged (its cost left the querier's credit).
    event RequestCharged(uint256 indexed taskId, address indexed querier, bytes32 indexed requestId, uint256 cost);
    /// A request sent for settlement again was refused (already settled; nothing charged).
    event RequestAlreadySettled(uint256 indexed taskId, address indexed querier, bytes32 indexed requestId);
    /// A request could not be paid from the querier's credit at settlement (marked settled, nothing charged).
    event RequestUnfunded(uint256 indexed taskId, address indexed querier, bytes32 indexed requestId, uint256 cost);
    event UsageSettled(uint256 indexed taskId, uint256 charged, uint256 refused, uint256 amount);
    event ContributionsRecorded(uint256 indexed taskId, uint64 indexed round, uint32 attempt, uint256 contributors);
    event ContributionsActivated(uint256 indexed taskId, uint64 indexed round);
    event RevenueDistributed(uint256 indexed taskId, uint256 amount, uint256 remainder);
    event RevenueClaimed(address indexed account, uint256 indexed taskId);

    struct RecordedRound {
        uint64 round;
        uint32 attempt;
    }

    uint256 private constant _SCALE = 1e18;
    uint32 private constant _SCORE_TOTAL = 1_000_000;

    address public immutable governance;
    TaskManager public immutable taskManager;
    IAggregatorRegistry public immutable aggregatorRegistry;

    mapping(uint256 => uint256) private _pricePerRow;
    mapping(uint256 => bool) private _paused;
    mapping(address => uint256) private _credit;
    mapping(bytes32 => bool) private _settled;

    // contributions recorded by the TEE, waiting for TaskManager to accept the round attempt
    mapping(uint256 => RecordedRound[]) private _waiting;
    mapping(uint256 => mapping(uint64 => uint32)) private _recordedAttempt;
    mapping(uint256 => mapping(uint64 => mapping(uint32 => address[]))) private _recordedAccounts;
    mapping(uint256 => mapping(uint64 => mapping(uint32 => uint32[]))) private _recordedScores;
    mapping(uint256 => mapping(uint64 => bool)) private _activated;

    // revenue accumulator per task
    mapping(uint256 => uint256) private _totalWeight;
    mapping(uint256 => uint256) private _revenuePerWeight;
    mapping(uint256 => uint256) private _undistributed;
    mapping(uint256 => mapping(address => uint256)) private _weight;
    mapping(uint256 => mapping(address => uint256)) private _debt;
    mapping(uint256 => mapping(address => uint256)) private _revenue;

    modifier onlyGovernance() {
        if (msg.sender != governance) revert InferenceCreditNotGovernance(msg.sender);
        _;
    }

    /// @param governance_ CloisterGovernance (sets prices, pauses; receives rounding remainders).
    /// @param taskManager_ TaskManager (round acceptance).
    /// @param aggregatorRegistry_ AggregatorRegistry (the ROFL app id whose instances settle).
    /// @param domain_ The SIWE domain tokens are issued for.
    constructor(address governance_, address taskManager_, address aggregatorRegistry_, string memory domain_)
        SiweAuth(domain_)
    {
        if (governance_ == address(0) || taskManager_ == address(0) || aggregatorRegistry_ == address(0)) {
            revert InferenceCreditZeroAddress();
        }
        governance = governance_;
        taskManager = TaskManager(taskManager_);
        aggregatorRegistry = IAggregatorRegistry(aggregatorRegistry_);
    }

    // ------------------------------------------------------------------------------------------ governance

    /// @notice Sets the price of one predicted row of task `taskId` (governance only; 0 = free).
    function setPrice(uint256 taskId, uint256 pricePerRow) external onlyGovernance {
        _pricePerRow[taskId] = pricePerRow;
        emit PriceChanged(taskId, pricePerRow);
    }

    /// @notice Pauses or resumes inference for task `taskId` (governance only; the TEE refuses queries while paused).
    function setPaused(uint256 taskId, bool paused) external onlyGovernance {
        _paused[taskId] = paused;
        emit InferencePaused(taskId, paused);
    }

    // -------------------------------------------------------------------------------------------- queriers

    /// @notice Adds `msg.value` to the caller's prepaid credit (usable for any task; not withdrawable).
    function deposit() external payable {
        if (msg.value == 0) revert InferenceCreditZeroDeposit();
        _credit[msg.sender] += msg.value;
        emit CreditDeposited(msg.sender, msg.value);
    }

    // ----------------------------------------------------------------------------------------- aggregator

    /// @notice Settles answered requests of task `taskId` (authorized ROFL origin only): each request costs
    /// `rows * price` at the current price; a request already settled is refused (nothing charged), one the credit
    /// cannot pay is marked settled and charged nothing. The charged total is split among the contributors.
    /// @param taskId The task.
    /// @param requestIds The queriers' request ids.
    /// @param queriers Who sent each request.
    /// @param rows How many rows each request predicted.
    function settle(uint256 taskId, bytes32[] calldata requestIds, address[] calldata queriers, uint32[] calldata rows)
        external
    {
        AggregatorOrigin.ensureAuthorized(aggregatorRegistry);
        if (requestIds.length != queriers.length || requestIds.length != rows.length) {
            revert InferenceCreditLengthMismatch(requestIds.length, queriers.length, rows.length);
        }
        uint256 price = _pricePerRow[taskId];
        uint256 amount = 0;
        uint256 charged = 0;
        for (uint256 i = 0; i < requestIds.length; i++) {
            bytes32 key = settlementKey(taskId, queriers[i], requestIds[i]);
            if (_settled[key]) {
                emit RequestAlreadySettled(taskId, queriers[i], requestIds[i]);
                continue;
            }
            _settled[key] = true;
            uint256 cost = price * rows[i];
            if (_credit[queriers[i]] < cost) {
                emit RequestUnfunded(taskId, queriers[i], requestIds[i], cost);
                continue;
            }
            _credit[queriers[i]] -= cost;
            amount += cost;
            charged++;
            emit RequestCharged(taskId, queriers[i], requestIds[i], cost);
        }
        emit UsageSettled(taskId, charged, requestIds.length - charged, amount);
        _activateWaiting(taskId);
        _distribute(taskId, amount);
    }

    /// @notice Records the contribution scores of a finalized round attempt (authorized ROFL origin only). They count
    /// for revenue once TaskManager shows the attempt accepted. Recording the same attempt again replaces it.
    /// @param taskId The task.
    /// @param round The round.
    /// @param attempt The round attempt the scores belong to.
    /// @param accounts The included participants.
    /// @param scores Their scores (of 1e6, summing to 1e6).
    function recordContributions(
        uint256 taskId,
        uint64 round,
        uint32 attempt,
        address[] calldata accounts,
        uint32[] calldata scores
    ) external {
        AggregatorOrigin.ensureAuthorized(aggregatorRegistry);
        if (accounts.length != scores.length || accounts.length == 0 || _activated[taskId][round]) {
            revert InferenceCreditScoresInvalid(taskId, round);
        }
        uint256 sum = 0;
        for (uint256 i = 0; i < scores.length; i++) sum += scores[i];
        if (sum != _SCORE_TOTAL) revert InferenceCreditScoresInvalid(taskId, round);
        if (_recordedAttempt[taskId][round] == 0) _waiting[taskId].push(RecordedRound(round, attempt));
        else _replaceWaiting(taskId, round, attempt);
        _recordedAttempt[taskId][round] = attempt;
        _recordedAccounts[taskId][round][attempt] = accounts;
        _recordedScores[taskId][round][attempt] = scores;
        emit ContributionsRecorded(taskId, round, attempt, accounts.length);
    }

    /// @notice Adds the recorded scores of an accepted round to the contributors' revenue weights (anyone; also run
    /// by every settlement).
    function activateContributions(uint256 taskId, uint64 round) external {
        if (!_tryActivate(taskId, round, _recordedAttempt[taskId][round])) {
            revert InferenceCreditRoundNotAccepted(taskId, round);
        }
        _removeWaiting(taskId, round);
    }

    // ---------------------------------------------------------------------------------------- contributors

    /// @notice Pays the caller its revenue from task `taskId` (pull payment; reentrancy guarded).
    function claimRevenue(uint256 taskId) external nonReentrant {
        _harvest(taskId, msg.sender);
        uint256 amount = _revenue[taskId][msg.sender];
        if (amount == 0) revert InferenceCreditNothingToClaim(msg.sender, taskId);
        _revenue[taskId][msg.sender] = 0;
        emit RevenueClaimed(msg.sender, taskId);
        Address.sendValue(payable(msg.sender), amount);
    }

    // ------------------------------------------------------------------------------------------------ views

    /// @notice The token holder's claimable revenue from task `taskId`.
    /// @param token A SiweAuth token from `login`.
    function revenueOf(bytes calldata token, uint256 taskId) external view returns (uint256) {
        address caller = authMsgSender(token);
        if (caller == address(0)) revert InferenceCreditNotAuthenticated();
        return _revenue[taskId][caller] + _owed(taskId, caller);
    }

    /// @notice A querier's prepaid credit left.
    function creditOf(address querier) external view returns (uint256) {
        return _credit[querier];
    }

    /// @notice The price of one predicted row of task `taskId`.
    function priceOf(uint256 taskId) external view returns (uint256) {
        return _pricePerRow[taskId];
    }

    /// @notice Whether governance paused inference for task `taskId`.
    function isPaused(uint256 taskId) external view returns (bool) {
        return _paused[taskId];
    }

    /// @notice Whether a request has been settled (charged, or refused for lack of credit).
    function isSettled(uint256 taskId, address querier, bytes32 requestId) external view returns (bool) {
        return _settled[settlementKey(taskId, querier, requestId)];
    }

    /// @notice The sum of the activated contribution weights of task `taskId` (scores of its accepted rounds).
    function totalWeight(uint256 taskId) external view returns (uint256) {
        return _totalWeight[taskId];
    }

    /// @notice Revenue of task `taskId` held until a round's contributions are activated.
    function undistributed(uint256 taskId) external view returns (uint256) {
        return _undistributed[taskId];
    }

    /// @notice The key under which a request's settlement is recorded.
    function settlementKey(uint256 taskId, address querier, bytes32 requestId) public pure returns (bytes32) {
        return keccak256(abi.encode(taskId, querier, requestId));
    }

    // -------------------------------------------------------------------------------------------- internal

    function _distribute(uint256 taskId, uint256 amount) private {
        uint256 total = _totalWeight[taskId];
        if (total == 0) {
            _undistributed[taskId] += amount;
            return;
        }
        amount += _undistributed[taskId];
        _undistributed[taskId] = 0;
        if (amount == 0) return;
        uint256 increment = (amount * _SCALE) / total;
        _revenuePerWeight[taskId] += increment;
        uint256 remainder = amount - (increment * total) / _SCALE;
        _revenue[taskId][governance] += remainder;
        emit RevenueDistributed(taskId, amount, remainder);
    }

    function _owed(uint256 taskId, address account) private view returns (uint256) {
        return (_weight[taskId][account] * _revenuePerWeight[taskId]) / _SCALE - _debt[taskId][account];
    }

    function _harvest(uint256 taskId, address account) private {
        uint256 owed = _owed(taskId, account);
        if (owed > 0) _revenue[taskId][account] += owed;
        _debt[taskId][account] = (_weight[taskId][account] * _revenuePerWeight[taskId]) / _SCALE;
    }

    function _activateWaiting(uint256 taskId) private {
        RecordedRound[] storage waiting = _waiting[taskId];
        uint256 i = 0;
        while (i < waiting.length) {
            if (_tryActivate(taskId, waiting[i].round, waiting[i].attempt)) {
                waiting[i] = waiting[waiting.length - 1];
                waiting.pop();
            } else {
                i++;
            }
        }
    }

    function _tryActivate(uint256 taskId, uint64 round, uint32 attempt) private returns (bool) {
        if (attempt == 0 || _activated[taskId][round]) return false;
        TaskManager.Round memory rd = taskManager.getRound(taskId, round);
        if (rd.state != TaskManager.RoundState.Accepted || rd.attempt != attempt) return false;
        _activated[taskId][round] = true;
        address[] storage accounts = _recordedAccounts[taskId][round][attempt];
        uint32[] storage scores = _recordedScores[taskId][round][attempt];
        for (uint256 i = 0; i < accounts.length; i++) {
            address account = accounts[i];
            _harvest(taskId, account);
            _weight[taskId][account] += scores[i];
            _debt[taskId][account] = (_weight[taskId][account] * _revenuePerWeight[taskId]) / _SCALE;
        }
        _totalWeight[taskId] += _SCORE_TOTAL;
        emit ContributionsActivated(taskId, round);
        return true;
    }

    function _replaceWaiting(uint256 taskId, uint64 round, uint32 attempt) private {
        RecordedRound[] storage waiting = _waiting[taskId];
        for (uint256 i = 0; i < waiting.length; i++) {
            if (waiting[i].round == round) waiting[i].attempt = attempt;
        }
    }

    function _removeWaiting(uint256 taskId, uint64 round) private {
        RecordedRound[] storage waiting = _waiting[taskId];
        for (uint256 i = 0; i < waiting.length; i++) {
            if (waiting[i].round == round) {
                waiting[i] = waiting[waiting.length - 1];
                waiting.pop();
                return;
            }
        }
    }
}
