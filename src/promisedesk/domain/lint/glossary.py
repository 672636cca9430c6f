"""Jargon: the default glossary and the one pattern that finds any of its terms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

DEFAULT_GLOSSARY: Mapping[str, str] = MappingProxyType(
    {
        "DNS": "the system that turns web addresses into server locations",
        "MX record": "the setting that tells other mail servers where to deliver your email",
        "TTL": "the time a change takes to reach everyone",
        "DHCP lease": "the network address your computer has been lent",
        "DHCP": "the service that gives each device its network address",
        "VLAN": "a separate section of the network",
        "SMTP relay": "the server that passes outgoing email on",
        "SMTP": "the email sending service",
        "RAID": "the set of disks that keeps copies of your data",
        "TLS handshake": "setting up the secure connection",
        "SPF record": "the setting that proves our email is genuine",
        "DKIM": "the signature that proves our email is genuine",
        "CNAME": "an alias for a web address",
        "LDAP": "the staff directory",
        "BGP": "the routes between internet providers",
        "MTU": "the size limit for network traffic",
        "ARP cache": "the network's record of which device is where",
        "subnet": "part of the network",
        "GPO": "a central Windows setting",
        "Kerberos ticket": "your sign-in pass",
        "hypervisor": "the host that runs the virtual servers",
        "LUN": "a storage volume",
        "SAN": "the shared storage system",
        "IMAP": "the way your mail app collects email",
        "NAT": "the address translation in the firewall",
        "OAuth token": "the saved sign-in for the app",
    }
)
"""Jargon and its plain-language replacement; the configuration can pass its own."""

# Characters other than the two ASCII cases that a case-blind letter matches.
_CASE_EXTRAS = {"i": "\u0130\u0131", "s": "\u017f", "k": "\u212a"}


@dataclass(frozen=True)
class Glossary:
    """A glossary compiled for scanning: one pattern for every term, longest first."""

    pattern: re.Pattern[str]
    terms: Mapping[str, str]  # each term by its folded spelling
    words: tuple[tuple[str, ...], ...] | None  # folded words of each term, or None

    def may_match(self, folded_text: str) -> bool:
        """False only if no term can occur in the text ``folded_text`` was folded from."""
        if self.words is None:
            return True
        return any(all(w in folded_text for w in words) for words in self.words)


@lru_cache(maxsize=16)
def compile_glossary(terms: tuple[str, ...]) -> Glossary:
    """``terms`` compiled into a case-blind pattern, the terms by folded spelling."""
    alternatives = [r"\s+".join(map(re.escape, t.split())) for t in terms]
    ordered = list(reversed(sorted(alternatives, key=len)))
    folded = {" ".join(t.lower().split()): t for t in terms}
    if all(t[:1].isascii() and t[:1].isalnum() for t in terms) and terms:
        words = (
            tuple(tuple(t.lower().split()) for t in terms) if all(map(str.isascii, terms)) else None
        )
        return Glossary(_by_first_letter(ordered), folded, words)
    firsts = "".join(sorted({c for t in terms for c in (t[:1].lower(), t[:1].upper())}))
    body = "|".join(ordered) or r"(?!)"
    pattern = re.compile(rf"(?=[{re.escape(firsts)}])\b(?:{body})(?:s|es)?\b", re.I)
    return Glossary(pattern, folded, None)


def _by_first_letter(ordered: list[str]) -> re.Pattern[str]:
    r"""The glossary pattern for terms that start with an ASCII letter or digit.

    It starts with a case-sensitive class of first letters, so the regex engine skips
    to candidates, then tests the word boundary behind the letter ("(?<!\w.)") and
    tries only the terms that begin with it, each group in the original order.
    """
    groups: dict[str, list[str]] = {}
    for alternative in ordered:
        groups.setdefault(alternative[0].lower(), []).append(alternative[1:])
    heads = "".join(c + c.upper() + _CASE_EXTRAS.get(c, "") if c.isalpha() else c for c in groups)
    body = "|".join(f"(?<={c})(?:{'|'.join(rests)})" for c, rests in groups.items())
    return re.compile(rf"[{heads}](?<!\w.)(?i:(?:{body})(?:s|es)?\b)")


def glossary_term(found: str, terms: Mapping[str, str]) -> str | None:
    """The glossary term ``found`` spells, if its acronyms are in capitals."""
    folded = " ".join(found.lower().split())
    for key in (folded, folded[:-1], folded[:-2]):
        term = terms.get(key)
        if term is not None:
            # Acronyms count only in capitals, so "raid" or "nat" in prose stay quiet.
            words = found.split()
            if all(
                not w.isupper() or f.startswith(w)
                for w, f in zip(term.split(), words, strict=False)
            ):
                return term
    return None
