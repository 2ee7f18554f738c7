"""The ciphers that seal a personal field: one interface, AES-256-GCM by default, SM4-GCM where the
商用密码 (commercial cryptography, GB/T 39786) assessment of a deployment asks for the national
algorithm. Both are authenticated: a sealed value moved to another subject or field fails to open."""

from __future__ import annotations

import os
from typing import Final, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["CIPHERS", "FieldCipher", "InvalidTag", "cipher_named"]

_NONCE_BYTES: Final = 12
_TAG_BYTES: Final = 16


class FieldCipher(Protocol):
    """Seals with a random 96-bit nonce; the blob is nonce ‖ ciphertext ‖ tag."""

    name: str
    key_bytes: int

    def seal(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes: ...

    def open(self, key: bytes, blob: bytes, aad: bytes) -> bytes:
        """The plaintext; `InvalidTag` when the key, the blob or the associated data is not the one sealed."""
        ...


class Aes256Gcm:
    name = "aes256gcm"
    key_bytes = 32

    def seal(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)

    def open(self, key: bytes, blob: bytes, aad: bytes) -> bytes:
        return AESGCM(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], aad)


class Sm4Gcm:
    """SM4 (GB/T 32907) in GCM mode (GB/T 36624 lists it), through OpenSSL as `cryptography` binds it."""

    name = "sm4gcm"
    key_bytes = 16

    def seal(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return nonce + body + encryptor.tag

    def open(self, key: bytes, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < _NONCE_BYTES + _TAG_BYTES:
            raise InvalidTag
        nonce, body, tag = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:-_TAG_BYTES], blob[-_TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(body) + decryptor.finalize()


CIPHERS: Final[dict[str, FieldCipher]] = {c.name: c for c in (Aes256Gcm(), Sm4Gcm())}


def cipher_named(name: str) -> FieldCipher:
    try:
        return CIPHERS[name]
    except KeyError:
        raise ValueError(f"unknown cipher {name!r}: one of {', '.join(sorted(CIPHERS))}") from None
