"""Building blocks of the access matrix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from referral.auth.permissions import Role
from referral.directory.models import OrganisationType
from tests import factories

ROLES = ("anonymous", *[r.value for r in Role])

# Expected answers, named for readability in the tables.
OK = 200
REDIRECT = 302  # a redirect after a successful POST, or to the sign-in page
LOGIN = 302  # anonymous GET: sent to sign in
UNAUTHENTICATED = 401  # anonymous POST
FORBIDDEN = 403  # the role lacks the permission
NOT_FOUND = 404  # out of scope, or no such object

_BUILDERS: dict[str, Callable[[World], object]] = {}


def builder(name: str):
    """Register how to build a named object of the world (e.g. 'own_case')."""

    def register(fn):
        _BUILDERS[name] = fn
        return fn

    return register


@dataclass
class World:
    """A small world for one matrix cell: one user of every role in their home
    organisations, plus a second crisis centre for out-of-scope objects."""

    users: dict[str, object] = field(default_factory=dict)
    orgs: dict[str, object] = field(default_factory=dict)
    _objects: dict[str, object] = field(default_factory=dict)

    @classmethod
    def build(cls) -> World:
        world = cls()
        world.orgs = {
            "crisis": factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE),
            "other_crisis": factories.OrganisationFactory(org_type=OrganisationType.CRISIS_CENTRE),
            "police": factories.OrganisationFactory(org_type=OrganisationType.POLICE),
            "committee": factories.OrganisationFactory(org_type=OrganisationType.COMMITTEE),
            "admin": factories.OrganisationFactory(org_type=OrganisationType.ADMINISTRATION),
        }
        home = {
            Role.CASEWORKER: "crisis",
            Role.SUPERVISOR: "crisis",
            Role.PROVIDER: "police",
            Role.COMMITTEE_MEMBER: "committee",
            Role.ADMIN: "admin",
            Role.AUDITOR: "admin",
        }
        for role, org_key in home.items():
            world.users[role.value] = factories.UserFactory(
                role=role, organisation=world.orgs[org_key]
            )
        world.users["other_caseworker"] = factories.UserFactory(
            role=Role.CASEWORKER, organisation=world.orgs["other_crisis"]
        )
        return world

    def ids(self) -> dict[str, dict[str, object]]:
        return {
            "users": {key: user.id for key, user in self.users.items()},
            "orgs": {key: org.id for key, org in self.orgs.items()},
        }

    @classmethod
    def load(cls, session, ids: dict[str, dict[str, object]]) -> World:
        """The world `build` made earlier (in an enclosing transaction), read back into
        `session`: two queries instead of a dozen inserts per cell."""
        from referral.auth.models import User
        from referral.directory.models import Organisation

        users = {
            u.id: u for u in session.scalars(select(User).where(User.id.in_(ids["users"].values())))
        }
        orgs = {
            o.id: o
            for o in session.scalars(
                select(Organisation).where(Organisation.id.in_(ids["orgs"].values()))
            )
        }
        world = cls()
        world.users = {key: users[i] for key, i in ids["users"].items()}
        world.orgs = {key: orgs[i] for key, i in ids["orgs"].items()}
        return world

    def get(self, name: str):
        if name not in self._objects:
            if name not in _BUILDERS:
                raise KeyError(f"no builder registered for {name!r}")
            self._objects[name] = _BUILDERS[name](self)
        return self._objects[name]


@dataclass
class Entry:
    """One endpoint in one object scope, with the answer each role must get."""

    endpoint: str
    url: Callable[[World], str] | str
    expect: dict[str, int]
    method: str = "GET"
    scope: str = "-"
    data: Callable[[World], dict] | dict | None = None

    def __post_init__(self):
        missing = set(ROLES) - set(self.expect)
        if missing:
            raise ValueError(f"{self.endpoint} [{self.scope}]: no expectation for {missing}")

    @property
    def id(self) -> str:
        return f"{self.endpoint}[{self.scope}]"

    def build_url(self, world: World) -> str:
        return self.url(world) if callable(self.url) else self.url

    def build_data(self, world: World) -> dict:
        if self.data is None:
            return {}
        return self.data(world) if callable(self.data) else dict(self.data)


def only(allowed: dict[str, int], *, method: str = "GET", otherwise: int = FORBIDDEN) -> dict:
    """Expectations where the listed roles get their status and every other signed-in
    role gets `otherwise`; anonymous is sent to sign in (GET) or refused (POST)."""
    expect = {role: otherwise for role in ROLES}
    expect["anonymous"] = LOGIN if method == "GET" else UNAUTHENTICATED
    expect.update(allowed)
    return expect


def everyone(status: int, *, method: str = "GET") -> dict:
    """Every signed-in role gets `status`; anonymous as in `only`."""
    return only({role: status for role in ROLES if role != "anonymous"}, method=method)
