"""Staff manage licences and takedowns here. Every save and delete goes through the rights
services, so the availability rows change in the same transaction and the audit trail records
who did it; the audit trail itself is read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.common.admin import ReadOnlyModelAdmin
from apps.common.errors import ApplicationError
from apps.rights import services
from apps.rights.models import AuditEntry, Licence, Takedown


class TerritoriesFormField(forms.CharField):
    """Comma-separated ISO 3166-1 alpha-2 codes, or * for worldwide."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def clean(self, value):
        value = super().clean(value)
        try:
            return services.clean_territories(value)
        except ApplicationError as exc:
            raise ValidationError(exc.message) from exc


class LicenceForm(forms.ModelForm):
    territories = TerritoriesFormField(help_text="Comma-separated country codes (DE, FR), or * for worldwide.")

    class Meta:
        model = Licence
        fields = ("track", "album", "kind", "territories", "premium_only", "valid_from", "valid_until", "reference")

    def clean(self):
        data = super().clean()
        if bool(data.get("track")) == bool(data.get("album")):
            raise ValidationError("A licence is for one track or one album: choose exactly one.")
        if data.get("premium_only") and data.get("kind") != "grant":
            raise ValidationError("Premium only applies to grants.")
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end <= start:
            raise ValidationError("Valid until must be later than valid from.")
        return data


def _report(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    form = LicenceForm
    list_display = ("__str__", "kind", "territory_list", "premium_only", "valid_from", "valid_until", "reference")
    list_filter = ("kind", "premium_only")
    list_select_related = ("track", "album")
    search_fields = ("track__title", "album__title", "reference", "track__isrc", "album__upc")
    autocomplete_fields = ("track", "album")
    readonly_fields = ("public_id", "created_by", "created_at", "updated_at")

    @admin.display(description="territories")
    def territory_list(self, licence: Licence) -> str:
        return ", ".join(licence.territories)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # The target is fixed once created: a licence for another track is another licence.
        return (*self.readonly_fields, "track", "album") if obj else self.readonly_fields

    def save_model(self, request, obj: Licence, form, change: bool) -> None:
        values = {field: form.cleaned_data[field] for field in services.LICENCE_EDITABLE}
        if change:
            services.licence_update(actor=request.user, licence=obj, **values)
        else:
            created = services.licence_create(
                actor=request.user, track=form.cleaned_data["track"], album=form.cleaned_data["album"], **values
            )
            obj.pk, obj.public_id = created.pk, created.public_id

    def delete_model(self, request, obj: Licence) -> None:
        services.licence_delete(actor=request.user, licence=obj)

    def delete_queryset(self, request, queryset: QuerySet[Licence]) -> None:
        for licence in queryset:
            services.licence_delete(actor=request.user, licence=licence)


class TakedownForm(forms.ModelForm):
    territories = TerritoriesFormField(initial="*", help_text="Comma-separated country codes, or * for worldwide.")

    class Meta:
        model = Takedown
        fields = ("track", "territories", "reason")


@admin.register(Takedown)
class TakedownAdmin(admin.ModelAdmin):
    """A takedown is created here and lifted with the action; it is never edited or deleted, so
    the record of what was removed, why and by whom stays."""

    form = TakedownForm
    list_display = ("track", "territory_list", "reason", "created_by", "created_at", "lifted_at")
    list_filter = (("lifted_at", admin.EmptyFieldListFilter),)
    list_select_related = ("track", "created_by")
    search_fields = ("track__title", "track__isrc", "reason")
    autocomplete_fields = ("track",)
    actions = ("lift",)

    @admin.display(description="territories")
    def territory_list(self, takedown: Takedown) -> str:
        return ", ".join(takedown.territories)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ()
        return (
            "public_id",
            "track",
            "territories",
            "reason",
            "created_by",
            "created_at",
            "lifted_at",
            "lifted_by",
            "lift_reason",
        )

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj: Takedown, form, change: bool) -> None:
        if change:
            return  # nothing is editable after creation
        created = services.takedown_create(
            actor=request.user,
            track=form.cleaned_data["track"],
            territories=form.cleaned_data["territories"],
            reason=form.cleaned_data["reason"],
        )
        obj.pk, obj.public_id = created.pk, created.public_id

    @admin.action(description="Lift the selected takedowns")
    def lift(self, request: HttpRequest, queryset: QuerySet[Takedown]) -> None:
        lifted = 0
        for takedown in queryset.filter(lifted_at__isnull=True):
            try:
                services.takedown_lift(actor=request.user, takedown=takedown, reason="Lifted in the admin.")
                lifted += 1
            except ApplicationError as exc:
                _report(request, exc)
        messages.success(request, f"Lifted {lifted} takedown(s).")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("at", "action", "subject", "actor", "track", "album")
    list_filter = ("action",)
    list_select_related = ("actor", "track", "album")
    search_fields = ("subject", "track__title", "album__title")
    readonly_fields = ("action", "actor", "subject", "track", "album", "details", "at")
