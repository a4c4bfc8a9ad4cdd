from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionsConfig(AppConfig):
    name = "cunzhi.elections"
    label = "elections"
    verbose_name = _("Elections")

    def ready(self):
        from cunzhi.elections import replies
        from cunzhi.notify.sms import reply_handler_register

        # "1" I wish to vote, "2" I do not: a voter living away answers the text (art. 13).
        reply_handler_register(replies.AWAY, replies.away)
