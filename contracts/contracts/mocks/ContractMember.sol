// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

interface IProposer {
    function propose(address target, uint256 value, bytes calldata data, string calldata description)
        external
        payable
        returns (uint256);
}

/// @notice TEST ONLY. A governance member that is a contract refusing plain transfers (to exercise refund failure).
contract ContractMember {
    error ContractMemberRejected();

    function proposeTo(address governance, address target, bytes calldata data) external payable returns (uint256) {
        return IProposer(governance).propose{value: msg.value}(target, msg.value, data, "from a contract member");
    }

    receive() external payable {
        revert ContractMemberRejected();
    }
}
