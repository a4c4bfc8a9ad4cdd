from django.urls import path, register_converter

from cunzhi.voice import views


class KeyConverter:
    regex = "[0-9a-f]{32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class FormatConverter(KeyConverter):
    regex = "ogg|mp3|wav"  # what a page may ask for (speech.FORMATS; the loudspeaker's file has its own address)


register_converter(KeyConverter, "clipkey")
register_converter(FormatConverter, "clipformat")

app_name = "voice"
urlpatterns = [
    path("<clipkey:key>.<clipformat:fmt>", views.clip, name="clip"),
    path("broadcast/<str:code>/", views.broadcast, name="broadcast"),
    path("broadcast/<str:code>/<str:day>.mp3", views.broadcast_file, name="broadcast_file"),
]
