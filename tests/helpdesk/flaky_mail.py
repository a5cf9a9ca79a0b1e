"""A mail backend that fails its first two sends, as a mail server that is briefly down does."""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends.base import BaseEmailBackend

attempts: list[int] = []
delivered: list[list[str]] = []


class FailTwiceBackend(BaseEmailBackend):
    def send_messages(self, messages):
        attempts.append(1)
        if len(attempts) <= 2:
            raise SMTPServerDisconnected("connection lost")
        delivered.extend(m.to for m in messages)
        return len(messages)
