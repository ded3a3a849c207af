"""Create a development key ring: `python -m referral.crypto.keygen instance/keys`.

Production keys are made the same way on the key custodian's machine and mounted
read-only; they never enter the repository or the database.
"""

import sys
from pathlib import Path

from referral.crypto.keyring import PURPOSES, write_active, write_key_file
from referral.crypto.signing import write_key_pair


def ensure_dev_keys(directory: Path) -> bool:
    """Create one key of each purpose unless a ring is already there, and the audit
    checkpoints' signing pair unless it is there (a ring made before checkpoints were
    signed with Ed25519 gains it). True if anything was created."""
    if (directory / "active.json").exists():
        return write_key_pair(directory)
    active = {}
    for purpose in PURPOSES:
        key_id = f"{purpose}-1"
        if not (directory / f"{key_id}.key").exists():
            write_key_file(directory, key_id)
        active[purpose] = key_id
    write_active(directory, active)
    write_key_pair(directory)
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m referral.crypto.keygen <keys-directory>", file=sys.stderr)
        return 2
    directory = Path(argv[0])
    if ensure_dev_keys(directory):
        print(f"Created development keys in {directory} (not for production).")
    else:
        print(f"Keys already present in {directory}; left as they are.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
