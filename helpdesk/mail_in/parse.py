"""Reading a raw message safely: what intake needs from it, or `Unreadable` with a reason.

Mail comes from anyone, so nothing here trusts it: the header block and the number and depth of MIME
parts are bounded before and while the `email` package reads it (policy=default), every header is read
through one guarded accessor, and bodies in unknown or lying charsets are decoded with replacement
characters. Trimming quoted text and signatures is a pure function of the text (`trim`).
"""

from __future__ import annotations

import email
import html as html_module
import re
from dataclasses import dataclass, field
from email import errors as mail_errors
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr

from django.utils.html import strip_tags
from django.utils.translation import gettext as _

# Real headers stay far below these (a long Received chain with DKIM and ARC is some 20 KB).
MAX_HEADER_BYTES = 256 * 1024
MAX_HEADER_LINES = 2_000
# Real mail has a few parts (text, HTML, a few files, inline images); nested a few levels deep.
MAX_PARTS = 200
MAX_DEPTH = 10
# Structural damage after which we cannot tell the text from the files.
BROKEN = (
    mail_errors.NoBoundaryInMultipartDefect,
    mail_errors.StartBoundaryNotFoundDefect,
    mail_errors.MultipartInvariantViolationDefect,
)
_MSGID = re.compile(r"<([^<>\s]{1,250})>")


class Unreadable(Exception):
    """A message we cannot read safely; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class File:
    name: str
    content_type: str
    content: bytes


@dataclass
class Parsed:
    """What intake needs from a message. Addresses are lower case; `automatic` is why the message is an
    automatic one (an auto-reply, a bounce, a list), or "" for a person's mail."""

    message_id: str
    sender: str
    sender_name: str
    subject: str
    recipients: list[str]
    in_reply_to: list[str]
    references: list[str]
    automatic: str
    text: str
    files: list[File] = field(default_factory=list)


def _header_block_size(raw: bytes) -> tuple[int, int]:
    """The size in bytes and lines of the header block (up to the first empty line)."""
    match = re.search(rb"\r?\n\r?\n", raw)
    block = raw[: match.start()] if match else raw
    return len(block), block.count(b"\n") + 1


def header(message, name: str) -> str:
    """A header's value as text; "" when it is missing or so malformed the email package cannot read it."""
    try:
        value = message.get(name)
        return "" if value is None else " ".join(str(value).split())
    except Exception:  # noqa: BLE001  (hostile headers reach parser bugs of every type)
        return ""


def _address(value: str) -> tuple[str, str]:
    name, address = parseaddr(value)
    address = address.strip().lower()
    if "@" not in address or len(address) > 254 or any(c.isspace() for c in address):
        return "", ""
    return name.strip()[:200], address


def message_ids(value: str) -> list[str]:
    """The Message-IDs in a header value (In-Reply-To, References), in order, without the brackets."""
    return _MSGID.findall(value or "")


def _walk(message: EmailMessage):
    """Every part, depth first, iteratively (no recursion to exhaust); Unreadable past the limits."""
    stack, count = [(message, 0)], 0
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > MAX_PARTS:
            raise Unreadable(_("The message has more than %(n)s parts; we take at most that many.") % {"n": MAX_PARTS})
        if depth > MAX_DEPTH:
            raise Unreadable(_("The message's parts are nested more than %(n)s deep.") % {"n": MAX_DEPTH})
        for defect in part.defects:
            if isinstance(defect, BROKEN):
                raise Unreadable(
                    _("The message's MIME structure is broken (%(defect)s).") % {"defect": type(defect).__name__}
                )
        yield part
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend((child, depth + 1) for child in reversed(payload))


def _decoded_text(part) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # a charset nobody has heard of
        return payload.decode("utf-8", errors="replace")


def _html_to_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", html)
    html = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</tr\s*>|</h\d\s*>|</li\s*>", "\n", html)
    html = re.sub(r"(?i)<blockquote\b", "\n<blockquote", html)
    return html_module.unescape(strip_tags(html))


def _automatic(message, sender: str, content_type: str) -> str:
    """Why `message` is automatic (RFC 3834 and what mail software really sends), or ""."""
    auto = header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = header(message, "Precedence").lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id", "X-Failed-Recipients"):
        if header(message, name):
            return name
    if content_type == "multipart/report":
        return "delivery report"
    local = sender.partition("@")[0]
    if local in {"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply"}:
        return f"sent by {local}"
    if header(message, "Return-Path").strip() == "<>":
        return "bounce (empty Return-Path)"
    return ""


def parse(raw: bytes) -> Parsed:
    """Read `raw` (a whole RFC 5322 message); raises Unreadable, with a reason, for what we will not take:
    an oversized header block, too many or too deeply nested parts, broken MIME, or no sender."""
    size, lines = _header_block_size(raw)
    if size > MAX_HEADER_BYTES or lines > MAX_HEADER_LINES:
        raise Unreadable(_("The message's headers are too large (%(kb)s KB).") % {"kb": size // 1024})
    try:
        message = email.message_from_bytes(raw, policy=default_policy)
        parts = list(_walk(message))
    except Unreadable:
        raise
    except (RecursionError, MemoryError):
        raise Unreadable(_("The message is too deeply nested to read.")) from None
    except Exception as error:  # noqa: BLE001  (the email package raises many types on hostile input)
        raise Unreadable(_("The message cannot be read (%(error)s).") % {"error": type(error).__name__}) from None

    sender_name, sender = _address(header(message, "From"))
    if not sender:
        raise Unreadable(_("The message has no sender address we can read."))
    recipients = []
    for name in ("Delivered-To", "X-Original-To", "To", "Cc"):
        for _name, address in getaddresses([header(message, name)]):
            address = address.strip().lower()
            if "@" in address and address not in recipients:
                recipients.append(address)
    try:
        content_type = message.get_content_type()
    except Exception:  # noqa: BLE001
        content_type = "text/plain"

    plain, html, files = "", "", []
    for part in parts:
        if part.is_multipart():
            continue
        try:
            kind = part.get_content_type()
            filename = part.get_filename() or ""
            disposition = part.get_content_disposition() or ""
        except Exception:  # noqa: BLE001, S112  (a part whose headers cannot be read is left out)
            continue
        if filename or disposition == "attachment" or kind not in ("text/plain", "text/html"):
            if kind.startswith("multipart/") or kind == "message/delivery-status":
                continue
            content = part.get_payload(decode=True) or b""
            name = " ".join((filename or "attachment").split())[:200]
            files.append(File(name=name, content_type=kind[:100], content=content))
        elif kind == "text/plain" and not plain:
            plain = _decoded_text(part)
        elif kind == "text/html" and not html:
            html = _decoded_text(part)
    text = plain if plain.strip() else _html_to_text(html)
    ids = message_ids(header(message, "Message-ID"))
    return Parsed(
        message_id=ids[0] if ids else "",
        sender=sender,
        sender_name=sender_name,
        subject=header(message, "Subject")[:300],
        recipients=recipients,
        in_reply_to=message_ids(header(message, "In-Reply-To")),
        references=message_ids(header(message, "References"))[-50:],
        automatic=_automatic(message, sender, content_type),
        text=text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""),
        files=files,
    )


# -- trimming --------------------------------------------------------------------------------------------

# A line that starts what the person quoted: everything from it on is the mail they answered.
_QUOTE_HEADS = [
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.I),  # Outlook (classic), many others
    re.compile(r"^-{2,}\s*(Forwarded message|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}\s*$", re.I),
    re.compile(r"^_{10,}\s*$"),  # Outlook on the web / new Outlook: a rule, then From:, Sent:
    re.compile(r"^Begin forwarded message:\s*$", re.I),  # Apple Mail
]
# "On <date>, <person> wrote:", possibly wrapped over two or three lines (Gmail wraps long ones).
_WROTE = re.compile(
    r"^(On|Am|Le|El|Il|Op|Den|På)\s.{0,400}?"
    r"(wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev)(\s[^\n]{0,300})?\s*:\s*$",
    re.I | re.S,
)
# Outlook without a rule: "From: ..." then "Sent:" or "Date:" on the next lines.
_FROM_LINE = re.compile(r"^\*?(From|Von|De|Från)\s*:\*?\s", re.I)
_SENT_LINE = re.compile(r"^\*?(Sent|Date|Gesendet|Envoyé|Skickat)\s*:\*?\s", re.I)
_WROTE_START = re.compile(r"^(On|Am|Le|El|Il|Op|Den|På)\s", re.I)
_SIGNATURE = re.compile(r"^-- ?$")
_MOBILE = re.compile(
    r"^(Sent from my \w[\w ]{0,30}|Get Outlook for (iOS|Android)|Sent from Mail for Windows.*"
    r"|Von meinem \w+ gesendet)\s*$",
    re.I,
)


def _wrote_line(lines: list[str]) -> bool:
    """Whether `lines` begin with an attribution line ("On ..., ... wrote:"), wrapped or not."""
    joined = ""
    for line in lines:
        joined = f"{joined} {line.strip()}".strip()
        if _WROTE.match(joined):
            return True
    return False


def trim(text: str) -> str:
    """The new part of a reply: `text` up to where the quoted mail, a forwarded header block or the
    signature (after "-- ") begins, without "> " quoted lines or a "Sent from my phone" line at the end.
    Returns the whole text, stripped, when trimming would leave nothing (a reply written below the quote,
    or a mail that is all quotation)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        bare = line.strip()
        if any(head.match(bare) for head in _QUOTE_HEADS) or _SIGNATURE.match(line.rstrip("\n")):
            break
        if _FROM_LINE.match(bare) and any(_SENT_LINE.match(nxt.strip()) for nxt in lines[index + 1 : index + 4]):
            break
        if _WROTE_START.match(bare) and _wrote_line(lines[index : index + 3]):
            break
        if bare.startswith(">"):
            continue
        kept.append(line)
    while kept and (not kept[-1].strip() or _MOBILE.match(kept[-1].strip())):
        kept.pop()
    result = "\n".join(kept).strip()
    return result or text.strip()
