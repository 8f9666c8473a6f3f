"""Admin for staff accounts: email is the login, groups are the roles of DESIGN.md."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import ManyToManyField, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import RecoveryCodeDevice, StaffTOTPDevice, User
from .roles import Role


def role_label(group_name: str) -> str:
    return str(Role(group_name).label) if group_name in Role.values else group_name


def normalised_email(raw: str) -> str:
    # The same normalisation as the manager; the database rejects anything not lower-case.
    return User.objects.normalize_email(raw).lower()


class StaffUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")

    def clean_email(self) -> str:
        return normalised_email(self.cleaned_data["email"])


class StaffUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return normalised_email(self.cleaned_data["email"])


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return role_label(obj.name)


class RoleListFilter(admin.RelatedFieldListFilter):
    """The groups filter, titled and labelled as roles."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("rol")

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        choices = super().field_choices(field, request, model_admin)
        return [(pk, role_label(str(name))) for pk, name in choices]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    list_display = ("email", "display_name", "is_active", "role_list")
    list_filter = (("groups", RoleListFilter), "is_active", "is_staff")
    search_fields = ("email", "display_name")
    ordering = ("email",)
    filter_horizontal = ("user_permissions",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "display_name", "password")}),
        (_("Acceso"), {"fields": ("is_active", "is_staff", "groups")}),
        (_("Permisos especiales"), {"fields": ("is_superuser", "user_permissions")}),
        (_("Fechas"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "usable_password", "password1", "password2"),
            },
        ),
        (_("Acceso"), {"fields": ("is_staff", "groups")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("Roles"))
    def role_list(self, obj: User) -> str:
        return ", ".join(sorted(role_label(group.name) for group in obj.groups.all()))

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if db_field.name == "groups":
            kwargs["form_class"] = RoleChoiceField
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["label"] = _("Roles")
            kwargs["help_text"] = _("Cada rol da acceso a una parte del sistema.")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        # "Change user" is given to coordinación and sistemas so they can manage
        # staff; it must not let them make anyone (themselves included) a superuser.
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Changing a superuser's email or password is taking over her account.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)


# Roles are the groups created by migration and matched by name in code: renaming or
# deleting one in the admin would silently strip every member of her access.
admin.site.unregister(Group)


class SecondFactorDeviceAdmin(admin.ModelAdmin):
    """Seen and deleted only: deleting her authenticator is how IT resets a lost second
    factor (she enrols again at her next sign-in). Devices are never added or edited
    here: a seed typed into a form would have been seen by someone else."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__email", "user__display_name")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(StaffTOTPDevice, SecondFactorDeviceAdmin)
admin.site.register(RecoveryCodeDevice, SecondFactorDeviceAdmin)
