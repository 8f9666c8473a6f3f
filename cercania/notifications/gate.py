"""The safe-contact gate: the one function every outgoing message passes through.

`contact_gate` decides whether a message may go to a recipient on a channel now. A
woman gets a message only on a channel she allowed, at an address she gave, inside
the safe hours she gave (institute's zone; 9:00–20:00 unless she said otherwise).
Staff get their agenda by email only.

When it allows, the gate hands out a `Permit`: a single-use ticket naming the channel
and the address. The channel senders (`channels.email`, `channels.text`) refuse to
send without one (`redeem`), and a permit cannot be made outside this module: it is
checked against the gate's own registry. So no code path reaches a provider without
passing here.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from cercania.accounts.models import User
from cercania.cases.models import Person
from cercania.institute.selectors import institute_zone

from .models import Channel, Delivery

PERMIT_LIFETIME = timedelta(minutes=10)


class GateBypass(Exception):
    """A sender was called without a valid permit from the gate."""


@dataclass(frozen=True)
class Permit:
    token: str
    channel: str
    address: str
    issued_at: datetime


@dataclass(frozen=True)
class GateDecision:
    allowed: bool
    reason: str = ""  # a Delivery.Reason when refused
    permit: Permit | None = None
    # When refused only for the hour: the start of her next safe window.
    next_safe_at: datetime | None = None


_issued: dict[str, Permit] = {}
_lock = threading.Lock()


def _issue(channel: str, address: str, at: datetime) -> Permit:
    permit = Permit(token=secrets.token_urlsafe(16), channel=channel, address=address, issued_at=at)
    with _lock:
        # Forget permits never redeemed (an error between the gate and the send).
        for token, old in list(_issued.items()):
            if old.issued_at < at - PERMIT_LIFETIME:
                del _issued[token]
        _issued[permit.token] = permit
    return permit


def redeem(permit: object, *, channels: tuple[str, ...]) -> str:
    """Consume a permit for one of `channels`; return the address it allows.

    Raises GateBypass for anything the gate did not issue, a permit already used, or
    one for another channel.
    """
    if not isinstance(permit, Permit):
        raise GateBypass("no permit from the contact gate")
    with _lock:
        issued = _issued.pop(permit.token, None)
    if issued is None or issued != permit:
        raise GateBypass("this permit was not issued by the contact gate, or was used")
    if permit.channel not in channels:
        raise GateBypass(f"a permit for {permit.channel} cannot send {'/'.join(channels)}")
    return permit.address


def _address(person: Person, channel: str) -> str:
    return person.email if channel == Channel.EMAIL else person.phone


def _allows_channel(person: Person, channel: str) -> bool:
    return {
        Channel.EMAIL: person.may_email,
        Channel.SMS: person.may_sms,
        Channel.WHATSAPP: person.may_whatsapp,
    }.get(Channel(channel), False)


def next_safe_moment(person: Person, at: datetime) -> datetime:
    """`at` itself when inside her safe hours, else the start of her next safe window."""
    local = at.astimezone(institute_zone())
    if person.safe_from <= local.time() < person.safe_until:
        return at
    day = local.date() if local.time() < person.safe_from else local.date() + timedelta(days=1)
    return datetime.combine(day, person.safe_from, tzinfo=institute_zone())


def contact_gate(
    *, recipient: Person | User, channel: str, at: datetime | None = None
) -> GateDecision:
    """May a message go to `recipient` on `channel` at `at` (default: now)?"""
    at = at or timezone.now()
    if isinstance(recipient, User):
        # Staff: her work email, any hour; nothing else.
        if channel != Channel.EMAIL:
            return GateDecision(allowed=False, reason=Delivery.Reason.CHANNEL_NOT_ALLOWED)
        if not recipient.is_active:
            return GateDecision(allowed=False, reason=Delivery.Reason.INACTIVE_RECIPIENT)
        if not recipient.email:
            return GateDecision(allowed=False, reason=Delivery.Reason.NO_ADDRESS)
        return GateDecision(allowed=True, permit=_issue(channel, recipient.email, at))
    if not isinstance(recipient, Person):
        raise TypeError("the gate knows people and staff users only")
    if channel not in Channel.values or not _allows_channel(recipient, channel):
        return GateDecision(allowed=False, reason=Delivery.Reason.CHANNEL_NOT_ALLOWED)
    address = _address(recipient, channel)
    if not address:
        return GateDecision(allowed=False, reason=Delivery.Reason.NO_ADDRESS)
    safe_at = next_safe_moment(recipient, at)
    if safe_at != at:
        return GateDecision(
            allowed=False, reason=Delivery.Reason.OUTSIDE_SAFE_HOURS, next_safe_at=safe_at
        )
    return GateDecision(allowed=True, permit=_issue(channel, address, at))
