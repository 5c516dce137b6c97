// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {SiweAuth} from "@oasisprotocol/sapphire-contracts/contracts/auth/SiweAuth.sol";
import {AggregatorOrigin} from "./AggregatorOrigin.sol";
import {IAggregatorRegistry, ICloisterGovernance, IParticipantRegistry} from "./interfaces/ICloister.sol";

/// @title ModelKeyRegistry
/// @notice The model keys of `consortium` tasks (model access, see docs/design/model-access.md) and the hashes of
/// each sealed model. The aggregator's TEE derives a 32-byte model key per task and key epoch through appd and stores
/// it here with a transaction from an authorized origin of the registered ROFL app; the key is returned only by a
/// view authenticated with a SiweAuth token (`login`) to an account admitted to the task or to a governance member,
/// and the view reverts for anyone else (the operator, removed participants, the public). A removal starts a new
/// epoch: later models are sealed under a key the removed account can no longer read.
/// @dev Keys live in Sapphire's confidential storage. On a non-Sapphire development chain (Hardhat) storage is
/// readable with `eth_getStorageAt`: there the confidentiality of `_keys` is emulated, only the access checks of the
/// view are real. Events never carry a key.
contract ModelKeyRegistry is SiweAuth {
    error ModelKeyRegistryZeroAddress();
    error ModelKeyRegistryZeroKey();
    error ModelKeyRegistryZeroHash();
    error ModelKeyRegistryEpochOutOfOrder(uint256 taskId, uint32 currentEpoch, uint32 epoch);
    error ModelKeyRegistryKeyMismatch(uint256 taskId, uint32 epoch);
    error ModelKeyRegistryUnknownEpoch(uint256 taskId, uint32 epoch);
    error ModelKeyRegistryNotAuthenticated();
    error ModelKeyRegistryNotAuthorized(address account, uint256 taskId);
    error ModelKeyRegistryUnknownModel(uint256 taskId, uint64 round);

    /// A new key epoch began for `taskId` (the key itself is never emitted).
    event ModelKeyEpochStarted(uint256 indexed taskId, uint32 indexed epoch, bytes32 admittedSetHash);
    /// The sealed model of `round` (0 = the initial model re-sealed in the TEE) was recorded.
    event SealedModelRecorded(
        uint256 indexed taskId,
        uint64 indexed round,
        uint32 epoch,
        bytes32 plaintextHash,
        bytes32 ciphertextHash
    );

    struct SealedModel {
        uint32 epoch;
        bytes32 plaintextHash;
        bytes32 ciphertextHash;
    }

    ICloisterGovernance public immutable governance;
    IParticipantRegistry public immutable participants;
    IAggregatorRegistry public immutable aggregatorRegistry;

    mapping(uint256 => uint32) private _currentEpoch;
    mapping(uint256 => bytes32) private _admittedSetHash;
    mapping(uint256 => mapping(uint32 => bytes32)) private _keys;
    mapping(uint256 => mapping(uint64 => SealedModel)) private _models;

    /// @param governance_ CloisterGovernance (its members may read every task's keys).
    /// @param participants_ ParticipantRegistry (admitted accounts may read their task's keys).
    /// @param aggregatorRegistry_ AggregatorRegistry (the ROFL app id whose instances may write).
    /// @param domain_ The SIWE domain tokens are issued for.
    constructor(address governance_, address participants_, address aggregatorRegistry_, string memory domain_)
        SiweAuth(domain_)
    {
        if (governance_ == address(0) || participants_ == address(0) || aggregatorRegistry_ == address(0)) {
            revert ModelKeyRegistryZeroAddress();
        }
        governance = ICloisterGovernance(governance_);
        participants = IParticipantRegistry(participants_);
        aggregatorRegistry = IAggregatorRegistry(aggregatorRegistry_);
    }

    /// @notice Stores the model key of `epoch` (authorized ROFL origin only). Epochs start at 1 and grow by one;
    /// storing the current epoch's key again with the same value is a no-op (appd derives it deterministically, so
    /// a retried or second aggregator instance sends the same key).
    /// @param taskId The task.
    /// @param epoch The key epoch (current + 1 to start a new one, or current to confirm it).
    /// @param key The 32-byte model key.
    /// @param admittedSetHash keccak256 of the sorted admitted accounts when the epoch starts: the TEE compares it with
    /// the admitted set at each round and starts a new epoch when the set changed (a removal above all).
    function setModelKey(uint256 taskId, uint32 epoch, bytes32 key, bytes32 admittedSetHash) external {
        AggregatorOrigin.ensureAuthorized(aggregatorRegistry);
        if (key == bytes32(0)) revert ModelKeyRegistryZeroKey();
        uint32 current = _currentEpoch[taskId];
        if (epoch == current && current != 0) {
            if (_keys[taskId][epoch] != key || _admittedSetHash[taskId] != admittedSetHash) {
                revert ModelKeyRegistryKeyMismatch(taskId, epoch);
            }
            return;
        }
        if (epoch != current + 1) revert ModelKeyRegistryEpochOutOfOrder(taskId, current, epoch);
        _currentEpoch[taskId] = epoch;
        _keys[taskId][epoch] = key;
        _admittedSetHash[taskId] = admittedSetHash;
        emit ModelKeyEpochStarted(taskId, epoch, admittedSetHash);
    }

    /// @notice Records the hashes of the sealed model of `round` (authorized ROFL origin only); a reopened round
    /// overwrites its earlier record.
    /// @param taskId The task.
    /// @param round The round (0 for the initial model).
    /// @param epoch The key epoch it is sealed under (must have a key).
    /// @param plaintextHash sha256 of the tensor file (clients check it after decryption).
    /// @param ciphertextHash sha256 of the sealed bytes the coordinator stores.
    function recordSealedModel(
        uint256 taskId,
        uint64 round,
        uint32 epoch,
        bytes32 plaintextHash,
        bytes32 ciphertextHash
    ) external {
        AggregatorOrigin.ensureAuthorized(aggregatorRegistry);
        if (epoch == 0 || epoch > _currentEpoch[taskId]) revert ModelKeyRegistryUnknownEpoch(taskId, epoch);
        if (plaintextHash == bytes32(0) || ciphertextHash == bytes32(0)) revert ModelKeyRegistryZeroHash();
        _models[taskId][round] = SealedModel(epoch, plaintextHash, ciphertextHash);
        emit SealedModelRecorded(taskId, round, epoch, plaintextHash, ciphertextHash);
    }

    // ------------------------------------------------------------------------------------- confidential views

    /// @notice The model key of `epoch`, for an account admitted to the task or a governance member.
    /// @param token A SiweAuth token from `login`.
    /// @param taskId The task.
    /// @param epoch The key epoch.
    function modelKey(bytes calldata token, uint256 taskId, uint32 epoch) external view returns (bytes32) {
        address caller = authMsgSender(token);
        if (caller == address(0)) revert ModelKeyRegistryNotAuthenticated();
        if (!participants.isAdmitted(taskId, caller) && !governance.isMember(caller)) {
            revert ModelKeyRegistryNotAuthorized(caller, taskId);
        }
        bytes32 key = _keys[taskId][epoch];
        if (key == bytes32(0)) revert ModelKeyRegistryUnknownEpoch(taskId, epoch);
        return key;
    }

    // ------------------------------------------------------------------------------------------ public views

    /// @notice The latest key epoch of the task (0 before its first key).
    function currentEpoch(uint256 taskId) external view returns (uint32) {
        return _currentEpoch[taskId];
    }

    /// @notice The admitted-set hash recorded when the current epoch started.
    function admittedSetHash(uint256 taskId) external view returns (bytes32) {
        return _admittedSetHash[taskId];
    }

    /// @notice The sealed model record of a round (reverts if none).
    function sealedModel(uint256 taskId, uint64 round) external view returns (SealedModel memory model) {
        model = _models[taskId][round];
        if (model.epoch == 0) revert ModelKeyRegistryUnknownModel(taskId, round);
    }
}
