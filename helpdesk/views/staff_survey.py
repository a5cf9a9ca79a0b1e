"""The staff survey: managers list, send and read it; the person invited answers through their link.

The answer page needs no login: the link's token is the key, and it says nothing of who holds it.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk import staff_survey
from helpdesk.access import role_required
from helpdesk.models import StaffSurvey
from helpdesk.services import Refused


def _survey(pk: int) -> StaffSurvey:
    return get_object_or_404(StaffSurvey.objects.select_related("division", "follows"), pk=pk)


@role_required("manager")
@require_GET
def survey_list(request):
    return render(request, "helpdesk/surveys/list.html", {"surveys": StaffSurvey.objects.for_list()})


def _detail(request, survey: StaffSurvey, status: int = 200):
    context = {
        "survey": survey,
        "questions": staff_survey.questions_of(survey),
        "audience": staff_survey.audience(survey).count(),
        "newcomers": staff_survey.newcomers(survey).count(),
        "invited": survey.invitations.count(),
        "answered": survey.responses.count(),
        "closed": survey.closes_on < timezone.localdate(),
    }
    return render(request, "helpdesk/surveys/detail.html", context, status=status)


@role_required("manager")
@require_GET
def survey_detail(request, pk: int):
    return _detail(request, _survey(pk))


@role_required("manager")
@require_POST
def survey_send(request, pk: int):
    survey = _survey(pk)
    try:
        count = staff_survey.send_survey(survey=survey)
    except Refused as refused:
        messages.error(request, refused.message)
        return _detail(request, survey, status=refused.status)
    if count:
        text = ngettext(
            "The survey is on its way to %(count)d person.", "The survey is on its way to %(count)d people.", count
        )
        messages.success(request, text % {"count": count})
    else:
        messages.info(request, _("Everyone this survey goes to had been invited already; nobody new was."))
    return redirect("survey", pk=survey.pk)


@role_required("manager")
@require_GET
def survey_results(request, pk: int):
    survey = _survey(pk)
    return render(request, "helpdesk/surveys/results.html", {"results": staff_survey.results(survey)})


@role_required("manager")
@require_GET
def survey_results_csv(request, pk: int):
    survey = _survey(pk)
    figures = staff_survey.results(survey)
    if not figures.ready:
        text = _("The figures are ready once the survey has closed.")
        return HttpResponse(text, status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="staff-survey-{survey.year}-{survey.pk}.csv"'
    staff_survey.write_csv(figures, response)
    return response


def _notice(request, survey: StaffSurvey, heading: str, text: str, status: int):
    context = {"survey": survey, "heading": heading, "text": text}
    return render(request, "helpdesk/surveys/notice.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request, token: str):
    invitation = staff_survey.invitation_for(token)
    if invitation is None:
        raise Http404(_("This survey link is not one we sent."))
    survey, today = invitation.survey, timezone.localdate()
    if invitation.answered:
        text = _("This survey has already been answered with this link, so it cannot be answered again.")
        return _notice(request, survey, _("Thank you"), text, 200 if request.method == "GET" else 409)
    if not survey.is_open(today):
        # Gone once closed; not yet open is a plain page (a refused answer, 409).
        status = 410 if today > survey.closes_on else 200 if request.method == "GET" else 409
        text = staff_survey.closed_message(survey, today)
        return _notice(request, survey, _("This survey is not open"), text, status)
    form = staff_survey.SurveyForm(staff_survey.questions_of(survey), request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                staff_survey.answer(invitation=invitation, answers=form.answers(), today=today)
            except Refused as refused:
                return _notice(request, survey, _("Your answers were not saved"), refused.message, refused.status)
            return redirect("survey-answer", token=token)
        return render(request, "helpdesk/surveys/answer.html", {"survey": survey, "form": form}, status=400)
    return render(request, "helpdesk/surveys/answer.html", {"survey": survey, "form": form})
