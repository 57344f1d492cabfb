from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .credit_code import credit_code_problem

if TYPE_CHECKING:
    from parkpact.core.models import User

CREDIT_CODE_MESSAGES = {
    "length": _("A unified social credit code has exactly 18 characters."),
    "alphabet": _(
        "A unified social credit code uses only digits and capital letters other than I, O, S, V and Z."
    ),
    "division": _("Characters 3 to 8 must be the six digits of an administrative division code."),
    "organisation_check": _(
        "Character 17 does not match the organisation code's check character: check characters 9 to 17."
    ),
    "check_character": _(
        "The last character does not match the check character: check the code for a typo."
    ),
}


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(CREDIT_CODE_MESSAGES[problem], code=f"credit_code_{problem}")


class ProviderQuerySet(models.QuerySet["Provider"]):
    def visible_to(self, user: "User") -> "ProviderQuerySet":
        """Centre staff see every company; a provider's staff see only their own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_centre_staff:
            return self
        return self.filter(staff__user=user)


class Provider(models.Model):
    """A company the centre contracts with, identified by its unified social credit code."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015, for example 91350100M000100Y43."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Qualification(models.Model):
    """A licence or certificate a provider holds, such as a security service permit."""

    class Kind(models.TextChoices):
        BUSINESS_LICENCE = "business_licence", _("Business licence")
        CLEANING_GRADE = "cleaning_grade", _("Cleaning service grade certificate")
        SECURITY_PERMIT = "security_permit", _("Security service permit")
        ISO_9001 = "iso_9001", _("ISO 9001 quality management")
        ISO_14001 = "iso_14001", _("ISO 14001 environmental management")
        ISO_45001 = "iso_45001", _("ISO 45001 occupational health and safety")
        OTHER = "other", _("Other")

    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.CASCADE,
        related_name="qualifications",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=64)
    issued_by = models.CharField(_("issued by"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty if it never expires.")
    )

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["provider", "valid_until"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "kind", "number"], name="providers_qualification_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="providers_qualification_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def clean(self) -> None:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The expiry date is before the start date.")})

    def is_expired(self, today: date) -> bool:
        return self.valid_until is not None and self.valid_until < today

    def expires_soon(self, today: date, *, within_days: int) -> bool:
        """Still valid, but expiring within the warning window: time to ask for the renewal."""
        return self.valid_until is not None and today <= self.valid_until <= today + timedelta(
            days=within_days
        )


class StaffMember(models.Model):
    """Links a sign-in account to the provider company that person works for."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="staff"
    )
    user = models.OneToOneField(
        "core.User",
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_membership",
    )
    position = models.CharField(_("position"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.provider}"
