from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "cunzhi.organisations"
    label = "organisations"
    verbose_name = _("Village organisations")

    def ready(self) -> None:
        from cunzhi.notify.sms import reply_handler_register
        from cunzhi.organisations import replies

        # "1" signs up, "2" withdraws: a reply by text to an activity's notice.
        reply_handler_register(replies.SIGN_UP, replies.sign_up)
