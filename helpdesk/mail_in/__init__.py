"""Mail in: replies and new requests that arrive by mail.

addresses.py gives each ticket a signed reply address; parse.py reads a raw message safely; intake.py is
the one function both receivers (`manage.py mail_in`, an LMTP/SMTP server in lmtp.py, and `manage.py
fetch_mail`, an IMAP poller in imap.py) call for each message.
"""
