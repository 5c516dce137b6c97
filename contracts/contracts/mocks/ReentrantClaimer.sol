// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

interface ICommitter {
    function commit(uint256 taskId, uint64 round, bytes32 ciphertextHash) external;
}

interface IClaimable {
    function claim() external;
}

/// @notice TEST ONLY. A participant contract that tries to re-enter `RewardVault.claim` from its receive hook
/// (mode Reenter), or refuses payments (mode Reject).
contract ReentrantClaimer {
    enum Mode {
        Reenter,
        Reject
    }

    error ReentrantClaimerRejected();

    IClaimable public immutable vault;
    Mode public mode;
    uint256 public receivedCount;
    bool public reentered;
    bytes public lastRevertData;

    constructor(address vault_) {
        vault = IClaimable(vault_);
    }

    function setMode(Mode newMode) external {
        mode = newMode;
    }

    function commitTo(address taskManager, uint256 taskId, uint64 round, bytes32 ciphertextHash) external {
        ICommitter(taskManager).commit(taskId, round, ciphertextHash);
    }

    function attack() external {
        vault.claim();
    }

    // The re-entry attempt under test happens in the receive hook, so it cannot be simple.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (mode == Mode.Reject) revert ReentrantClaimerRejected();
        receivedCount += 1;
        try vault.claim() {
            reentered = true;
        } catch (bytes memory data) {
            lastRevertData = data;
        }
    }
}
