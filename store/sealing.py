"""Sealing stored values: idempotent answers under a key only their client holds, and
the secrets kept at rest under the database's secret key (store/vault.py).

An answer replayed for an Idempotency-Key may hold a secret (a new API key's plaintext, a
webhook's signing secret), and no secret may sit in the database in plain text. So the
answer is encrypted under a key derived from what the retrying client sends anyway — its
Idempotency-Key, together with the id of the API key it was sent with — and the database
keeps only a digest of those for the look-up: a copy of the database, or another API key,
reveals nothing without the Idempotency-Key itself.

The standard library has no authenticated cipher, so this is encrypt-then-MAC built from
HMAC-SHA256 alone, in the way of the NIST SP 800-108 counter-mode KDF:

- three independent values come from the client's material, each an HMAC under its own
  label: the look-up digest, the encryption key and the tag key;
- the keystream is HMAC(encryption key, nonce || block number) for 32-byte blocks, XORed
  with the plaintext; the 16-byte nonce is random for each seal, so an Idempotency-Key used
  again after its answer expired never reuses keystream;
- the tag is HMAC(tag key, nonce || ciphertext), checked in constant time before anything
  is decrypted, so a changed row is refused rather than decrypted into garbage.

The secrets at rest (webhook signing secrets, the per-database signing secrets) are sealed
the same way, with the three values derived from the 32-byte secret key kept outside the
database, under labels of their own.

What it cannot do: an Idempotency-Key an attacker can guess (a counter, an order number)
can be tried offline against a stolen database; use random ones (a UUID), as Stripe asks.
"""
import hmac
import secrets
from typing import NamedTuple

NONCE_BYTES = 16
TAG_BYTES = 32
_BLOCK = 32  # bytes of keystream per HMAC-SHA256
_LABEL = b"goldenrecord.idempotency."


class Tampered(Exception):
    """A sealed value whose tag does not match: it was changed, or sealed under another key."""


def _hmac(key, message):
    return hmac.digest(key, message, "sha256")  # a name, not hashlib's constructor: C all the way


class SealingKey(NamedTuple):
    lookup: str  # hex digest that finds the sealed value; reveals nothing of the others
    encryption: bytes
    authentication: bytes

    @classmethod
    def derive(cls, *parts):
        """The key for `parts` (strings without NUL, e.g. an API key's id and an
        Idempotency-Key)."""
        return cls.from_material("\0".join(parts).encode(), _LABEL)

    @classmethod
    def from_material(cls, material, label):
        """The key for the bytes `material` and the purpose `label`: one material gives
        independent keys under different labels."""
        return cls(_hmac(material, label + b"lookup").hex(),
                   _hmac(material, label + b"encrypt"),
                   _hmac(material, label + b"authenticate"))

    def seal(self, plaintext):
        """nonce || ciphertext || tag for the bytes `plaintext`."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        body = nonce + self._xor_keystream(nonce, plaintext)
        return body + _hmac(self.authentication, body)

    def open(self, sealed):
        """The plaintext `seal` was given; Tampered if `sealed` is not exactly its output."""
        body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
        if len(body) < NONCE_BYTES or not hmac.compare_digest(_hmac(self.authentication, body), tag):
            raise Tampered("the sealed value does not match its tag")
        nonce, ciphertext = body[:NONCE_BYTES], body[NONCE_BYTES:]
        return self._xor_keystream(nonce, ciphertext)

    def _xor_keystream(self, nonce, data):
        """`data` XOR the keystream of `nonce` (encrypting and decrypting are the same)."""
        keyed = hmac.new(self.encryption, nonce, "sha256")  # copied per block: half the cost

        def block(number):
            mac = keyed.copy()
            mac.update(number.to_bytes(8, "big"))
            return mac.digest()

        blocks = -(-len(data) // _BLOCK)
        stream = b"".join(block(n) for n in range(blocks))[:len(data)]
        return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")
