from django.urls import path

from . import views, views_notifications

app_name = "core"

urlpatterns = [
    path("workspace/", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/verify/", views.verify_ledger_now, name="verify_ledger"),
    path("account/", views.account, name="account"),
    path("account/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("notifications/", views_notifications.notifications, name="notifications"),
    path("notifications/read/", views_notifications.mark_read, name="notifications_read"),
]
