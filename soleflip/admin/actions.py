"""Admin screens that run a business event: a form first, the service on submit, errors on the form.

Every write of an event (a sale, a listing, a purchase, a cancellation) goes through its
service. ``EventForm`` is a ModelForm whose validation runs the service inside a savepoint:
a refusal becomes a form error, never a 500, and nothing is written; success leaves the
created row as the form's instance, so the admin's add view redirects and logs as usual.
``action_form`` is the intermediate page of an action that needs input or a confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


class EventForm(forms.ModelForm):
    """A ModelForm whose ``run_event`` creates the row through a service during validation."""

    request: HttpRequest  # set by the admin's get_form

    def run_event(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def _post_clean(self) -> None:
        # The model's own validation is the service's: it validates, writes and returns the row.
        if self.errors:
            return
        try:
            with transaction.atomic():
                self.instance = self.run_event(self.cleaned_data)
        except ValidationError as exc:
            self.add_error(None, exc.messages)
        except IntegrityError as exc:  # the database refused what got past the service
            self.add_error(None, str(exc).splitlines()[0])

    def save(self, commit: bool = True) -> Any:
        self.save_m2m = lambda: None  # type: ignore[method-assign]  # the service saved what there is
        return self.instance


def event_form_for(form_class: type[EventForm], request: HttpRequest) -> type[EventForm]:
    """The form class bound to the request's user (the acting user of the event)."""
    return type(form_class.__name__, (form_class,), {"request": request})


class EventAdminMixin:
    """A ModelAdmin whose add form is an ``EventForm``: the add page runs the event's service.

    ``event_form`` is the form class; its Meta.fields plus ``event_extra_fields`` (form-only
    fields) are the add page's fields. Change pages stay the admin's own.
    """

    event_form: type[EventForm]
    event_extra_fields: tuple[str, ...] = ()

    def event_fields(self) -> list[str]:
        return [*self.event_form._meta.fields, *self.event_extra_fields]  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = event_form_for(self.event_form, request)
            kwargs["fields"] = self.event_fields()
        return super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.event_fields() if obj is None else super().get_fields(request, obj)  # type: ignore[misc]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": self.event_fields()})]
        return super().get_fieldsets(request, obj)  # type: ignore[misc]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else super().get_readonly_fields(request, obj)  # type: ignore[misc]

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return [] if obj is None else super().get_inlines(request, obj)  # type: ignore[misc]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # type: ignore[misc]
        # on add, the event's service wrote the row while the form was validated


def action_form(
    model_admin: Any,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    form_class: type[forms.Form],
    title: str,
    submit: str,
    apply: Callable[[dict[str, Any]], None],
    intro: str = "",
    form_kwargs: dict[str, Any] | None = None,
) -> HttpResponse | None:
    """Ask for the action's input (and a confirmation) on a page of its own, then apply it.

    Returns the page while the form is new or invalid, None (back to the list) once
    ``apply`` ran. A refusal from ``apply`` (a ValidationError) is shown on the form.
    """
    kwargs = form_kwargs or {}
    form = form_class(request.POST if "apply" in request.POST else None, **kwargs)
    if "apply" in request.POST and form.is_valid():
        try:
            with transaction.atomic():
                apply(form.cleaned_data)
            return None
        except ValidationError as exc:
            form.add_error(None, exc.messages)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "form": form,
        "rows": list(queryset[:50]),
        "more": max(0, queryset.count() - 50),
        "action": request.POST.get("action", ""),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "submit": submit,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/soleflip/action_form.html", context)
