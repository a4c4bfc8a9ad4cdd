"""The live stream's addresses, under a meeting's (meetings/urls.py splices them in its namespace)."""

from django.urls import path

from cunzhi.meetings.live import views

urlpatterns = [
    path("<str:public_id>/stream/start/", views.start, name="live_start"),
    path("<str:public_id>/stream/stop/", views.stop, name="live_stop"),
    path("<str:public_id>/stream/access/", views.access, name="live_access"),
    path("<str:public_id>/stream/chunk/", views.chunk, name="live_chunk"),
    path("<str:public_id>/stream/hls/master.m3u8", views.master, name="live_master"),
    path("<str:public_id>/stream/hls/<str:rendition>/index.m3u8", views.playlist, name="live_playlist"),
    path("<str:public_id>/stream/hls/<str:rendition>/<str:name>", views.segment, name="live_segment"),
    path("<str:public_id>/stream/recording.<str:kind>", views.recording, name="live_recording"),
    path("<str:public_id>/questions/", views.ask, name="live_ask"),
    path("<str:public_id>/questions/<str:question_id>/mark/", views.mark, name="live_mark"),
    path("<str:public_id>/questions/<str:question_id>/voice.m4a", views.voice, name="live_voice"),
]

# nginx-rtmp's callbacks (bound to 127.0.0.1 by the generated nginx configuration).
rtmp_urlpatterns = [
    path("stream/rtmp/publish/", views.rtmp_publish, name="live_rtmp_publish"),
    path("stream/rtmp/done/", views.rtmp_done, name="live_rtmp_done"),
]
