"""A view commits before it renders; as deployed (objects expired on commit) the page's
header still shows the signed-in user and organisation without reading them again, with
what the request itself changed, while everything else is read afresh."""

from flask import g
from sqlalchemy import event
from sqlalchemy.orm import Session

from referral.auth.models import User
from referral.auth.permissions import Role
from referral.extensions import db
from tests import factories


def test_the_signed_in_user_survives_the_views_commit_and_others_do_not(app):
    me = factories.UserFactory(role=Role.SUPERVISOR, full_name="Asel Before")
    colleague = factories.UserFactory(organisation=me.organisation, full_name="Colleague")
    db.session.flush()
    # The deployed session: expire on commit (the tests' own session does not).
    session = Session(
        bind=db.session.connection(),
        expire_on_commit=True,
        join_transaction_mode="create_savepoint",
    )
    statements = []
    engine = session.get_bind().engine

    def counted(*args):
        statements.append(args[2])

    try:
        with app.test_request_context("/"):
            user = session.get(User, me.id)
            other = session.get(User, colleague.id)
            organisation_name = user.organisation.name
            g._login_user = user
            user.full_name = "Asel After"  # changed by this request's unit of work
            session.commit()
            event.listen(engine, "before_cursor_execute", counted)
            shown = (user.full_name, user.role, user.is_authenticated, user.organisation.name)
            assert statements == []
            assert shown == ("Asel After", Role.SUPERVISOR, True, organisation_name)
            assert other.full_name == "Colleague"  # anyone else is read again
            assert any("FROM users" in sql for sql in statements)
        # Outside a request nothing is kept: a command's objects expire as usual.
        session.expire_all()
        user = session.get(User, me.id)
        session.commit()
        statements.clear()
        assert user.full_name == "Asel After"
        assert any("FROM users" in sql for sql in statements)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
        session.close()
