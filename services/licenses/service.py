"""The rules of e-licenses (统一电子证照): types, issuing and status, holders and the wallet, reads and the use record.
No transport here; the caller owns the transaction. Presentations and verification are in `presentations.py`."""

from __future__ import annotations

from dataclasses import dataclass

from services.licenses.issuance import IssuanceRules
from services.licenses.wallet import WalletRules


@dataclass
class Licenses(IssuanceRules, WalletRules):
    """What the rules need besides the session: settings, the keyring, the verifier of the gateway's tokens.

    Its parts, by sub-domain: `base.py` (state, secrets at rest, license types, shared helpers), `issuance.py`
    (issuing, status changes) and `wallet.py` (holders and the wallet, reads on record, the use log)."""
