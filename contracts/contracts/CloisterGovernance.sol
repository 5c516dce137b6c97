// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

/// @title CloisterGovernance
/// @notice A member set that decides by proposals. A proposal is one call (target, value, calldata); it passes
/// after the voting period with `yes >= quorum && yes > no`, or early once `yes >= quorum` and `yes` is an absolute
/// majority of the current members. Every privileged call in Cloister (task approval with escrow, admissions,
/// round rejection, member and parameter changes) is such a proposal.
/// @dev The value of a proposal is paid in by the proposer with `propose` and held here until execution. A proposal
/// that cannot pass any more (voting period over without the votes) is closed with `closeDefeated`, which refunds the
/// held value to the proposer.
contract CloisterGovernance {
    enum ProposalState {
        None,
        Active,
        Executed,
        Defeated
    }

    struct Proposal {
        address proposer;
        address target;
        uint256 value;
        bytes data;
        string description;
        uint64 createdAt;
        uint64 votingEndsAt;
        uint32 yesVotes;
        uint32 noVotes;
        ProposalState state;
    }

    error CloisterGovernanceNotMember(address account);
    error CloisterGovernanceNotSelf(address caller);
    error CloisterGovernanceInvalidQuorum(uint256 quorum, uint256 memberCount);
    error CloisterGovernanceInvalidVotingPeriod(uint64 votingPeriod);
    error CloisterGovernanceInvalidMember(address account);
    error CloisterGovernanceAlreadyMember(address account);
    error CloisterGovernanceValueMismatch(uint256 expected, uint256 received);
    error CloisterGovernanceZeroTarget();
    error CloisterGovernanceUnknownProposal(uint256 proposalId);
    error CloisterGovernanceProposalNotActive(uint256 proposalId, ProposalState state);
    error CloisterGovernanceVotingClosed(uint256 proposalId, uint64 votingEndsAt);
    error CloisterGovernanceAlreadyVoted(uint256 proposalId, address member);
    error CloisterGovernanceProposalNotPassed(uint256 proposalId);
    error CloisterGovernanceProposalNotDefeated(uint256 proposalId);
    error CloisterGovernanceExecutionFailed(uint256 proposalId, bytes returnData);
    error CloisterGovernanceRefundFailed(uint256 proposalId);

    event ProposalCreated(
        uint256 indexed proposalId,
        address indexed proposer,
        address indexed target,
        uint256 value,
        bytes data,
        string description,
        uint64 votingEndsAt
    );
    event VoteCast(uint256 indexed proposalId, address indexed member, bool support, uint32 yesVotes, uint32 noVotes);
    event ProposalExecuted(uint256 indexed proposalId, bytes returnData);
    event ProposalDefeated(uint256 indexed proposalId, uint256 refunded);
    event MemberAdded(address indexed account);
    event MemberRemoved(address indexed account);
    event QuorumChanged(uint256 quorum);
    event VotingPeriodChanged(uint64 votingPeriod);
    event FundsReceived(address indexed from, uint256 amount);

    address[] private _members;
    mapping(address => uint256) private _memberIndex; // index + 1; 0 = not a member
    uint256 private _quorum;
    uint64 private _votingPeriod;
    uint256 private _proposalCount;
    mapping(uint256 => Proposal) private _proposals;
    mapping(uint256 => mapping(address => bool)) private _voted;

    modifier onlyMember() {
        if (_memberIndex[msg.sender] == 0) revert CloisterGovernanceNotMember(msg.sender);
        _;
    }

    modifier onlySelf() {
        if (msg.sender != address(this)) revert CloisterGovernanceNotSelf(msg.sender);
        _;
    }

    /// @param initialMembers The founding members (distinct, non-zero).
    /// @param initialQuorum Minimum yes votes for a proposal to pass (1..members).
    /// @param initialVotingPeriod Voting period in seconds (> 0).
    constructor(address[] memory initialMembers, uint256 initialQuorum, uint64 initialVotingPeriod) {
        for (uint256 i = 0; i < initialMembers.length; i++) {
            _addMember(initialMembers[i]);
        }
        _setQuorum(initialQuorum);
        _setVotingPeriod(initialVotingPeriod);
    }

    /// @notice Accepts plain transfers (e.g. reward dust claimed from the RewardVault).
    receive() external payable {
        emit FundsReceived(msg.sender, msg.value);
    }

    // ----------------------------------------------------------------------------------------------- proposals

    /// @notice Proposes one call `target.call{value: value}(data)`. The caller pays `value` now; it is held until
    /// execution, or refunded to the proposer if the proposal is defeated.
    /// @param target The contract to call (non-zero; may be this contract for member/parameter changes).
    /// @param value Wei forwarded with the call; `msg.value` must equal it.
    /// @param data The calldata.
    /// @param description Human-readable description, for voters.
    /// @return proposalId The new proposal id (starting at 1).
    function propose(address target, uint256 value, bytes calldata data, string calldata description)
        external
        payable
        onlyMember
        returns (uint256 proposalId)
    {
        if (target == address(0)) revert CloisterGovernanceZeroTarget();
        if (msg.value != value) revert CloisterGovernanceValueMismatch(value, msg.value);
        proposalId = ++_proposalCount;
        Proposal storage p = _proposals[proposalId];
        p.proposer = msg.sender;
        p.target = target;
        p.value = value;
        p.data = data;
        p.description = description;
        p.createdAt = uint64(block.timestamp);
        p.votingEndsAt = uint64(block.timestamp) + _votingPeriod;
        p.state = ProposalState.Active;
        emit ProposalCreated(proposalId, msg.sender, target, value, data, description, p.votingEndsAt);
    }

    /// @notice Casts the caller's single vote on an active proposal during its voting period.
    /// @param proposalId The proposal.
    /// @param support True for yes, false for no.
    function vote(uint256 proposalId, bool support) external onlyMember {
        Proposal storage p = _activeProposal(proposalId);
        if (block.timestamp >= p.votingEndsAt) revert CloisterGovernanceVotingClosed(proposalId, p.votingEndsAt);
        if (_voted[proposalId][msg.sender]) revert CloisterGovernanceAlreadyVoted(proposalId, msg.sender);
        _voted[proposalId][msg.sender] = true;
        if (support) {
            p.yesVotes += 1;
        } else {
            p.noVotes += 1;
        }
        emit VoteCast(proposalId, msg.sender, support, p.yesVotes, p.noVotes);
    }

    /// @notice Executes a passed proposal (anyone may call). Reverts with the callee's return data on failure,
    /// leaving the proposal active so it can be retried.
    /// @param proposalId The proposal.
    /// @return returnData What the call returned.
    function execute(uint256 proposalId) external returns (bytes memory returnData) {
        Proposal storage p = _activeProposal(proposalId);
        if (!_passed(p)) revert CloisterGovernanceProposalNotPassed(proposalId);
        p.state = ProposalState.Executed;
        bool ok;
        (ok, returnData) = p.target.call{value: p.value}(p.data);
        if (!ok) revert CloisterGovernanceExecutionFailed(proposalId, returnData);
        emit ProposalExecuted(proposalId, returnData);
    }

    /// @notice Closes a proposal whose voting period ended without it passing, and refunds its held value to the
    /// proposer (anyone may call).
    /// @param proposalId The proposal.
    function closeDefeated(uint256 proposalId) external {
        Proposal storage p = _activeProposal(proposalId);
        if (block.timestamp < p.votingEndsAt || _passed(p)) revert CloisterGovernanceProposalNotDefeated(proposalId);
        p.state = ProposalState.Defeated;
        uint256 refund = p.value;
        emit ProposalDefeated(proposalId, refund);
        if (refund > 0) {
            (bool ok, ) = p.proposer.call{value: refund}("");
            if (!ok) revert CloisterGovernanceRefundFailed(proposalId);
        }
    }

    // ----------------------------------------------------------------------------------------- self-governed

    /// @notice Adds a member. Only through a proposal.
    /// @param account The new member.
    function addMember(address account) external onlySelf {
        _addMember(account);
    }

    /// @notice Removes a member; the quorum must stay reachable. Only through a proposal.
    /// @param account The member to remove.
    function removeMember(address account) external onlySelf {
        uint256 index = _memberIndex[account];
        if (index == 0) revert CloisterGovernanceNotMember(account);
        if (_members.length - 1 < _quorum) revert CloisterGovernanceInvalidQuorum(_quorum, _members.length - 1);
        address last = _members[_members.length - 1];
        _members[index - 1] = last;
        _memberIndex[last] = index;
        _members.pop();
        delete _memberIndex[account];
        emit MemberRemoved(account);
    }

    /// @notice Changes the quorum (1..members). Only through a proposal.
    /// @param newQuorum The new quorum.
    function setQuorum(uint256 newQuorum) external onlySelf {
        _setQuorum(newQuorum);
    }

    /// @notice Changes the voting period for new proposals. Only through a proposal.
    /// @param newVotingPeriod Seconds (> 0).
    function setVotingPeriod(uint64 newVotingPeriod) external onlySelf {
        _setVotingPeriod(newVotingPeriod);
    }

    // --------------------------------------------------------------------------------------------------- views

    /// @notice The proposal with this id.
    function getProposal(uint256 proposalId) external view returns (Proposal memory) {
        if (_proposals[proposalId].state == ProposalState.None) revert CloisterGovernanceUnknownProposal(proposalId);
        return _proposals[proposalId];
    }

    /// @notice Whether the proposal would pass if executed now.
    function isPassed(uint256 proposalId) external view returns (bool) {
        return _passed(_proposals[proposalId]);
    }

    /// @notice Whether `account` has voted on `proposalId`.
    function hasVoted(uint256 proposalId, address account) external view returns (bool) {
        return _voted[proposalId][account];
    }

    /// @notice Number of proposals created so far (ids are 1..proposalCount).
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @notice Whether `account` is a member.
    function isMember(address account) external view returns (bool) {
        return _memberIndex[account] != 0;
    }

    /// @notice The current members.
    function members() external view returns (address[] memory) {
        return _members;
    }

    /// @notice Minimum yes votes for a proposal to pass.
    function quorum() external view returns (uint256) {
        return _quorum;
    }

    /// @notice Voting period of new proposals, in seconds.
    function votingPeriod() external view returns (uint64) {
        return _votingPeriod;
    }

    // ------------------------------------------------------------------------------------------------ internal

    function _activeProposal(uint256 proposalId) private view returns (Proposal storage p) {
        p = _proposals[proposalId];
        if (p.state == ProposalState.None) revert CloisterGovernanceUnknownProposal(proposalId);
        if (p.state != ProposalState.Active) revert CloisterGovernanceProposalNotActive(proposalId, p.state);
    }

    function _passed(Proposal storage p) private view returns (bool) {
        if (p.state != ProposalState.Active || p.yesVotes < _quorum) return false;
        if (uint256(p.yesVotes) * 2 > _members.length) return true; // absolute majority: early execution
        return block.timestamp >= p.votingEndsAt && p.yesVotes > p.noVotes;
    }

    function _addMember(address account) private {
        if (account == address(0)) revert CloisterGovernanceInvalidMember(account);
        if (_memberIndex[account] != 0) revert CloisterGovernanceAlreadyMember(account);
        _members.push(account);
        _memberIndex[account] = _members.length;
        emit MemberAdded(account);
    }

    function _setQuorum(uint256 newQuorum) private {
        if (newQuorum == 0 || newQuorum > _members.length) {
            revert CloisterGovernanceInvalidQuorum(newQuorum, _members.length);
        }
        _quorum = newQuorum;
        emit QuorumChanged(newQuorum);
    }

    function _setVotingPeriod(uint64 newVotingPeriod) private {
        if (newVotingPeriod == 0) revert CloisterGovernanceInvalidVotingPeriod(newVotingPeriod);
        _votingPeriod = newVotingPeriod;
        emit VotingPeriodChanged(newVotingPeriod);
    }
}
