"""Password login against LDAP or Active Directory (django-auth-ldap), used when LDAP_SERVER_URI is set."""

from django_auth_ldap.backend import LDAPBackend


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap, refusing people switched off here (leavers): at login and on every request, so a
    leaver's open session ends too. django-auth-ldap itself checks only the directory's password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        return user if user is not None and user.is_active else None

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
