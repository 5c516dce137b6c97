// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Subcall} from "@oasisprotocol/sapphire-contracts/contracts/Subcall.sol";
import {IAggregatorRegistry} from "./interfaces/ICloister.sol";

/// @title AggregatorOrigin
/// @notice The check every contract makes before it takes the aggregator's word (outcomes, a finalized or failed
/// round, a model key, an inference settlement): the transaction must be signed by an authorized instance (TEE) of
/// the ROFL app registered in the AggregatorRegistry. An internal library, so its errors stay in each caller's ABI.
library AggregatorOrigin {
    /// @notice Governance has registered no ROFL app id: no aggregator can act.
    error AggregatorOriginAppIdNotSet();

    /// @notice Reverts `AggregatorOriginAppIdNotSet` while no app is registered, and `RoflOriginNotAuthorizedForApp`
    /// (checked by the Sapphire runtime) when the transaction's signer is not an instance of the app.
    /// @param registry The AggregatorRegistry holding the app id.
    function ensureAuthorized(IAggregatorRegistry registry) internal view {
        bytes21 app = registry.appId();
        if (app == bytes21(0)) revert AggregatorOriginAppIdNotSet();
        Subcall.roflEnsureAuthorizedOrigin(app);
    }
}
