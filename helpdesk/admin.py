from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX

from helpdesk.directory.resources import PersonResource
from helpdesk.models import CostCentre, Division, Grade, Location, Team, User


@admin.register(User)
class PersonAdmin(ImportMixin, UserAdmin):
    # HR's CSV or XLSX export, previewed (every change, every bad row) before anything is written.
    resource_classes = [PersonResource]
    import_formats = [CSV, XLSX]
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Organisation"),
            {"fields": ("employee_id", "grade", "division", "cost_centre", "location", "line_manager", "left_on")},
        ),
        (_("Preferences"), {"fields": ("time_zone", "language", "phone")}),
    )
    list_display = ("username", "email", "first_name", "last_name", "division", "grade", "is_staff")
    list_filter = (*UserAdmin.list_filter, "division", "grade")
    list_select_related = ("division", "grade")
    raw_id_fields = ("line_manager",)  # a select of every person would not load in a large organisation


@admin.register(Grade)
class GradeAdmin(admin.ModelAdmin):
    list_display = ("name", "level")


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(CostCentre)
class CostCentreAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "division")
    list_select_related = ("division",)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "parent", "auto_assign")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)
