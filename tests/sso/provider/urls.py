import base64
import json

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from oidc_provider.views import TokenView


@csrf_exempt
def scenario_token(request, name):
    """The real token endpoint; for "tampered", the id_token's claims are changed after signing, as an
    attacker between the provider and the site would (the signature no longer matches)."""
    response = TokenView.as_view()(request)
    if name == "tampered" and response.status_code == 200:
        body = json.loads(response.content)
        header, payload, signature = body["id_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["sub"] = "someone-else"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        body["id_token"] = f"{header}.{forged}.{signature}"
        response.content = json.dumps(body).encode()
    return response


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
    path("scenario/<slug:name>/token/", scenario_token),
]
