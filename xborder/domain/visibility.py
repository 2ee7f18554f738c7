"""Who may see a case at all: the one rule both sides apply.

Commands apply it to the aggregate (`CaseAggregate.is_visible_to`), reads to the read model's document
(`xborder.api.presenters.is_visible`). A caller who may not see a case must not learn that it exists:
every method on it answers exactly as for a missing id (404). If the two sides decided this apart, a
command answering 403 where the GET answers 404 would tell an insurer or an owner that the id is a
real case of its province, so they share this function and cannot disagree.
"""

from __future__ import annotations

from collections.abc import Collection

from xborder.domain.actors import Actor, Role


def may_see(
    actor: Actor, *, provinces: Collection[str], parties: Collection[str], insurers: Collection[str]
) -> bool:
    """A case is visible to the provinces it involves (`provinces`); within them, owners see only the
    cases they are a party of, insurers only the cases whose `insurers` notified them (rescues; no
    other workflow notifies an insurer), auditors and privacy officers none (they read the audit log of
    who saw what and answer erasure requests, not the cases: `xborder.privacy`), every other role all
    of its province's cases."""
    if actor.province is None or actor.province not in provinces:
        return False
    if actor.role in (Role.AUDITOR, Role.PRIVACY_OFFICER):
        return False
    if actor.role is Role.OWNER:
        return actor.sub in parties
    if actor.role is Role.INSURER:
        return actor.org is not None and actor.org in insurers
    return True
