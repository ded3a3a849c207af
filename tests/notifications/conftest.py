import pytest

from tests.notifications.smtp import SMTPReceiver
from tests.notifications.support import mail_on


@pytest.fixture
def smtp(app, monkeypatch):
    """A local SMTP server, and the application's e-mail pointed at it."""
    with SMTPReceiver() as receiver:
        mail_on(app, monkeypatch, receiver.port)
        yield receiver
