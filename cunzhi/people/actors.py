"""Types of the people a function acts for, so `user` and `actor` parameters say what they are."""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from cunzhi.people.models import User

# Whoever makes a request: an account, or nobody logged in.
AnyUser = User | AnonymousUser
# Who did something: an account, or None for the platform itself (a periodic job, the gateway).
Actor = User | None


class UserRequest(HttpRequest):
    """A request whose user is an account: behind `login_required`, or an API endpoint that needs a login
    (the API's bearer or session check has let only an account through). django-stubs' own advice for
    typing `request.user` where a login is required."""

    user: User
