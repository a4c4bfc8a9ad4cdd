"""Types of the people a function acts for, so `user` and `actor` parameters say what they are."""

from django.contrib.auth.models import AnonymousUser

from cunzhi.people.models import User

# Whoever makes a request: an account, or nobody logged in.
AnyUser = User | AnonymousUser
# Who did something: an account, or None for the platform itself (a periodic job, the gateway).
Actor = User | None
