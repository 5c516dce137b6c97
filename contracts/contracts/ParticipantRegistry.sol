// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

/// @title ParticipantRegistry
/// @notice The participants admitted to each task, with their metadata. Admission and removal are decided by
/// governance (CloisterGovernance proposals).
contract ParticipantRegistry {
    struct Participant {
        string name;
        string uri;
        uint64 admittedAt;
    }

    error ParticipantRegistryNotGovernance(address caller);
    error ParticipantRegistryZeroAddress();
    error ParticipantRegistryAlreadyAdmitted(uint256 taskId, address account);
    error ParticipantRegistryNotAdmitted(uint256 taskId, address account);
    error ParticipantRegistryLengthMismatch(uint256 accounts, uint256 names, uint256 uris);

    event ParticipantAdmitted(uint256 indexed taskId, address indexed account, string name, string uri);
    event ParticipantRemoved(uint256 indexed taskId, address indexed account);

    address public immutable governance;

    mapping(uint256 => address[]) private _participants;
    mapping(uint256 => mapping(address => uint256)) private _index; // index + 1; 0 = not admitted
    mapping(uint256 => mapping(address => Participant)) private _info;

    modifier onlyGovernance() {
        if (msg.sender != governance) revert ParticipantRegistryNotGovernance(msg.sender);
        _;
    }

    /// @param governance_ The CloisterGovernance contract.
    constructor(address governance_) {
        if (governance_ == address(0)) revert ParticipantRegistryZeroAddress();
        governance = governance_;
    }

    /// @notice Admits `account` to task `taskId` (governance only).
    /// @param taskId The task.
    /// @param account The participant's account.
    /// @param name Display name (e.g. the institution).
    /// @param uri Where to learn more about it.
    function admit(uint256 taskId, address account, string calldata name, string calldata uri)
        external
        onlyGovernance
    {
        _admit(taskId, account, name, uri);
    }

    /// @notice Admits several accounts to task `taskId` in one proposal (governance only).
    /// @param taskId The task.
    /// @param accounts The participants' accounts.
    /// @param names Display names, one per account.
    /// @param uris URIs, one per account.
    function admitMany(uint256 taskId, address[] calldata accounts, string[] calldata names, string[] calldata uris)
        external
        onlyGovernance
    {
        if (accounts.length != names.length || accounts.length != uris.length) {
            revert ParticipantRegistryLengthMismatch(accounts.length, names.length, uris.length);
        }
        for (uint256 i = 0; i < accounts.length; i++) {
            _admit(taskId, accounts[i], names[i], uris[i]);
        }
    }

    /// @notice Removes `account` from task `taskId` (governance only). Its past commitments stay on record.
    /// @param taskId The task.
    /// @param account The participant.
    function remove(uint256 taskId, address account) external onlyGovernance {
        uint256 index = _index[taskId][account];
        if (index == 0) revert ParticipantRegistryNotAdmitted(taskId, account);
        address[] storage list = _participants[taskId];
        address last = list[list.length - 1];
        list[index - 1] = last;
        _index[taskId][last] = index;
        list.pop();
        delete _index[taskId][account];
        delete _info[taskId][account];
        emit ParticipantRemoved(taskId, account);
    }

    /// @notice Whether `account` is admitted to task `taskId`.
    function isAdmitted(uint256 taskId, address account) external view returns (bool) {
        return _index[taskId][account] != 0;
    }

    /// @notice The accounts admitted to task `taskId` (order changes on removal).
    function participantsOf(uint256 taskId) external view returns (address[] memory) {
        return _participants[taskId];
    }

    /// @notice The metadata of an admitted participant.
    function participantInfo(uint256 taskId, address account) external view returns (Participant memory) {
        if (_index[taskId][account] == 0) revert ParticipantRegistryNotAdmitted(taskId, account);
        return _info[taskId][account];
    }

    function _admit(uint256 taskId, address account, string calldata name, string calldata uri) private {
        if (account == address(0)) revert ParticipantRegistryZeroAddress();
        if (_index[taskId][account] != 0) revert ParticipantRegistryAlreadyAdmitted(taskId, account);
        _participants[taskId].push(account);
        _index[taskId][account] = _participants[taskId].length;
        _info[taskId][account] = Participant({name: name, uri: uri, admittedAt: uint64(block.timestamp)});
        emit ParticipantAdmitted(taskId, account, name, uri);
    }
}
