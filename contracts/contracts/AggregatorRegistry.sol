// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Subcall} from "@oasisprotocol/sapphire-contracts/contracts/Subcall.sol";

/// @title AggregatorRegistry
/// @notice The ROFL app id of the aggregator and the keys its TEE instances publish: the X25519 HPKE public key
/// participants seal their updates to, and the secp256k1 signer that authenticates the aggregator to the
/// coordinator. Only a transaction from an authorized origin of the registered app (checked by the Sapphire runtime
/// through `Subcall.roflEnsureAuthorizedOrigin`) can set the keys.
contract AggregatorRegistry {
    error AggregatorRegistryNotGovernance(address caller);
    error AggregatorRegistryZeroAddress();
    error AggregatorRegistryAppIdNotSet();
    error AggregatorRegistryInvalidKeys(bytes32 hpkePublicKey, address signer);

    event AppIdChanged(bytes21 indexed previousAppId, bytes21 indexed appId);
    event AggregatorKeysSet(bytes21 indexed appId, bytes32 hpkePublicKey, address signer);

    address public immutable governance;

    bytes21 private _appId;
    bytes32 private _hpkePublicKey;
    address private _signer;
    uint64 private _keysUpdatedAt;

    modifier onlyGovernance() {
        if (msg.sender != governance) revert AggregatorRegistryNotGovernance(msg.sender);
        _;
    }

    /// @param governance_ The CloisterGovernance contract.
    /// @param appId_ The ROFL app id (may be zero and set later by governance).
    constructor(address governance_, bytes21 appId_) {
        if (governance_ == address(0)) revert AggregatorRegistryZeroAddress();
        governance = governance_;
        if (appId_ != bytes21(0)) {
            _appId = appId_;
            emit AppIdChanged(bytes21(0), appId_);
        }
    }

    /// @notice Sets the ROFL app id (governance only). Keys published by the previous app are cleared.
    /// @param newAppId The new app id.
    function setAppId(bytes21 newAppId) external onlyGovernance {
        bytes21 previous = _appId;
        _appId = newAppId;
        delete _hpkePublicKey;
        delete _signer;
        delete _keysUpdatedAt;
        emit AppIdChanged(previous, newAppId);
    }

    /// @notice Publishes the aggregator's keys; only from an authorized origin (TEE instance) of `appId()`.
    /// @param newHpkePublicKey The raw X25519 public key (32 bytes, non-zero).
    /// @param newSigner The address of the aggregator's secp256k1 request-signing key (non-zero).
    function setAggregatorKeys(bytes32 newHpkePublicKey, address newSigner) external {
        bytes21 app = _appId;
        if (app == bytes21(0)) revert AggregatorRegistryAppIdNotSet();
        Subcall.roflEnsureAuthorizedOrigin(app);
        if (newHpkePublicKey == bytes32(0) || newSigner == address(0)) {
            revert AggregatorRegistryInvalidKeys(newHpkePublicKey, newSigner);
        }
        _hpkePublicKey = newHpkePublicKey;
        _signer = newSigner;
        _keysUpdatedAt = uint64(block.timestamp);
        emit AggregatorKeysSet(app, newHpkePublicKey, newSigner);
    }

    /// @notice The registered ROFL app id (zero if none).
    function appId() external view returns (bytes21) {
        return _appId;
    }

    /// @notice The aggregator's X25519 HPKE public key (zero until published).
    function hpkePublicKey() external view returns (bytes32) {
        return _hpkePublicKey;
    }

    /// @notice The address of the aggregator's request-signing key (zero until published).
    function aggregatorSigner() external view returns (address) {
        return _signer;
    }

    /// @notice When the keys were last published (0 if never).
    function keysUpdatedAt() external view returns (uint64) {
        return _keysUpdatedAt;
    }
}
