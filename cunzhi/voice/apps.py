from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "cunzhi.voice"
    label = "voice"
    verbose_name = _("Voice")

    def ready(self) -> None:
        from cunzhi.core.jobs import register_job
        from cunzhi.voice import checks, events, services  # noqa: F401  (checks and events register themselves)

        register_job(
            "voice.clips_expire",
            lambda: services.clips_expire(),
            every_minutes=24 * 60,
            description=_("Delete spoken clips not made again for a while (they are made again when asked)."),
        )
