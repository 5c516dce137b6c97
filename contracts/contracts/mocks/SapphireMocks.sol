// SPDX-License-Identifier: Apache-2.0
// solhint-disable one-contract-per-file, no-complex-fallback, no-inline-assembly, avoid-tx-origin
pragma solidity 0.8.24;

// DEVELOPMENT ONLY. Emulations of the Sapphire precompiles Cloister's contracts call, for a plain Hardhat chain.
// They are placed at the precompile addresses with `hardhat_setCode` (see installSapphireMocks in src/) and are
// never deployed to a Sapphire network. They give no confidentiality whatsoever.
//
// Why the linter's rules disabled on the first line do not fit here: the precompiles are called with raw
// calldata, so each emulation is a fallback that decodes its input; they belong together as one emulation of one
// thing; reading a bytes21 or bytes16 out of a bytes array needs assembly; the subcall precompile authorizes by
// tx.origin, as Sapphire's does.

/// @notice Emulates the subcall precompile (0x0100…0103) for `rofl.IsAuthorizedOrigin`: an origin (tx.origin) is
/// authorized for an app id only if it was registered with `setAuthorizedOrigin` (or written to storage directly by
/// `authorizeRoflOrigin`: `_authorized` is at storage slot 0).
contract MockSubcall {
    mapping(bytes21 => mapping(address => bool)) private _authorized;

    error MockSubcallMalformedBody();

    event MockAuthorizedOriginSet(bytes21 indexed appId, address indexed origin, bool authorized);

    /// @notice Registers (or unregisters) `origin` as an instance of `appId`.
    function setAuthorizedOrigin(bytes21 appId, address origin, bool authorized) external {
        _authorized[appId][origin] = authorized;
        emit MockAuthorizedOriginSet(appId, origin, authorized);
    }

    /// @notice Whether `origin` is registered for `appId`.
    function isAuthorizedOrigin(bytes21 appId, address origin) external view returns (bool) {
        return _authorized[appId][origin];
    }

    /// @notice Input `abi.encode(string method, bytes cborBody)`, output `abi.encode(uint64 status, bytes cborData)`.
    fallback(bytes calldata input) external returns (bytes memory) {
        (string memory method, bytes memory body) = abi.decode(input, (string, bytes));
        if (keccak256(bytes(method)) == keccak256("rofl.IsAuthorizedOrigin")) {
            if (body.length != 22 || body[0] != 0x55) revert MockSubcallMalformedBody();
            bytes21 appId;
            assembly {
                appId := mload(add(body, 33))
            }
            return abi.encode(uint64(0), _authorized[appId][tx.origin] ? bytes(hex"f5") : bytes(hex"f4"));
        }
        return abi.encode(uint64(1), bytes("mock subcall: unsupported method"));
    }
}

/// @notice Emulates the random bytes precompile (0x0100…01): NOT random, derived from block data and the caller.
contract MockRandomBytes {
    fallback(bytes calldata input) external returns (bytes memory out) {
        (uint256 numBytes, bytes memory pers) = abi.decode(input, (uint256, bytes));
        if (numBytes > 1024) numBytes = 1024;
        out = new bytes(numBytes);
        bytes32 seed = keccak256(abi.encode(block.prevrandao, block.timestamp, block.number, msg.sender, pers));
        for (uint256 i = 0; i < numBytes; i++) {
            if (i % 32 == 0) seed = keccak256(abi.encode(seed, i));
            out[i] = seed[i % 32];
        }
    }
}

/// @notice The reversible keyed transform the encrypt/decrypt mocks share: XOR with a keccak keystream, then a
/// 16-byte keccak tag over key, nonce, additional data and ciphertext. Integrity only against accidents and
/// tampering in tests; not a cipher.
library MockDeoxys {
    error MockDeoxysTagMismatch();

    function xorStream(bytes32 key, bytes32 nonce, bytes memory data) internal pure returns (bytes memory out) {
        out = new bytes(data.length);
        bytes32 block_;
        for (uint256 i = 0; i < data.length; i++) {
            if (i % 32 == 0) block_ = keccak256(abi.encode(key, nonce, i / 32));
            out[i] = data[i] ^ block_[i % 32];
        }
    }

    function tag(bytes32 key, bytes32 nonce, bytes memory ad, bytes memory ciphertext) internal pure returns (bytes16) {
        return bytes16(keccak256(abi.encode("mock-deoxys-tag", key, nonce, ad, ciphertext)));
    }
}

/// @notice Emulates the encrypt precompile (0x0100…03): input abi.encode(key, nonce, plaintext, ad), output
/// ciphertext ‖ tag (raw bytes).
contract MockEncrypt {
    fallback(bytes calldata input) external returns (bytes memory) {
        (bytes32 key, bytes32 nonce, bytes memory plaintext, bytes memory ad) = abi.decode(
            input,
            (bytes32, bytes32, bytes, bytes)
        );
        bytes memory ciphertext = MockDeoxys.xorStream(key, nonce, plaintext);
        return abi.encodePacked(ciphertext, MockDeoxys.tag(key, nonce, ad, ciphertext));
    }
}

/// @notice Emulates the decrypt precompile (0x0100…04): reverts when the tag does not match.
contract MockDecrypt {
    fallback(bytes calldata input) external returns (bytes memory) {
        (bytes32 key, bytes32 nonce, bytes memory sealedData, bytes memory ad) = abi.decode(
            input,
            (bytes32, bytes32, bytes, bytes)
        );
        if (sealedData.length < 16) revert MockDeoxys.MockDeoxysTagMismatch();
        uint256 n = sealedData.length - 16;
        bytes memory ciphertext = new bytes(n);
        for (uint256 i = 0; i < n; i++) ciphertext[i] = sealedData[i];
        bytes16 expected = MockDeoxys.tag(key, nonce, ad, ciphertext);
        bytes16 actual;
        assembly {
            actual := mload(add(add(sealedData, 32), n))
        }
        if (actual != expected) revert MockDeoxys.MockDeoxysTagMismatch();
        return MockDeoxys.xorStream(key, nonce, ciphertext);
    }
}
