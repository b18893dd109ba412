from django.urls import path

from skolsam.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("barn/<str:child_id>/", views.child_inbox, name="child_inbox"),
    path("las/<str:recipient_id>/", views.read, name="read"),
    path("las/<str:recipient_id>/svara/", views.reply, name="reply"),
    path("skriv/", views.compose, name="compose"),
    path("skickade/", views.sent, name="sent"),
    path("skickade/<str:message_id>/", views.sent_detail, name="sent_detail"),
    path("elever/", views.pupils, name="pupils"),
    path("konversation/ny/<str:child_id>/", views.thread_new, name="thread_new"),
    path("konversation/<str:thread_id>/", views.thread, name="thread"),
    path("sok/", views.search, name="search"),
    path("push/", views.push_subscribe, name="push_subscribe"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("bilaga/<str:attachment_id>/", views.attachment, name="attachment"),
    path("installningar/", views.preferences, name="preferences"),
]
