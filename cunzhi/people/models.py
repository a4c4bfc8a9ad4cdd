"""Accounts, households, villagers, offices, roles held in regions, delegations, access log."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunzhi.core.crypto import EncryptedTextField
from cunzhi.core.idnumbers import mask_id_number, normalize_phone
from cunzhi.core.models import TimeStamped, public_id
from cunzhi.regions.models import Level as RegionLevel
from cunzhi.regions.models import Region

ADULT_AGE = 18


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, phone, password=None, **extra):
        user = self.model(phone=normalize_phone(phone), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(phone, password, **extra)

    def signed_in(self, pk):
        """The account of a signed-in request (core.logins asks for it by this name): see rules.signed_in."""
        from cunzhi.people import rules  # rules reads these models

        return rules.signed_in(pk)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in: villagers, helpers and staff all log in with a phone number."""

    phone = models.CharField(_("mobile number"), max_length=20, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Django admin access only; roles in regions decide everything else.
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["phone"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self):
        return self.name or self.phone

    def clean(self):
        # Forms (the admin site) store the login as the login form reads it: full-width digits, spaces
        # and +86 would make an account nobody can log in to, or a second account for one number.
        super().clean()
        self.phone = normalize_phone(self.phone)


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Household(TimeStamped):
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="households", verbose_name=_("village"))
    group = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("villager group")
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    number = models.CharField(_("household number"), max_length=20)
    address = models.CharField(_("address"), max_length=200, blank=True)
    representative = models.ForeignKey(
        "Villager",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("household representative"),
    )

    # Not stored: the members in order, set by the API's household detail (one query for the page).
    member_list: list["Villager"]

    class Meta:
        ordering = ["region_code", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [models.UniqueConstraint(fields=["village", "number"], name="household_number_unique")]

    def __str__(self):
        return f"{self.number}"

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)


class Grid(TimeStamped):
    """A grid (网格) inside a village: a natural village or about 300 households, with a grid worker.

    It belongs to people, which owns roles (its worker holds the grid-worker role); its table keeps the
    name it had when grids lived in regions (moved without touching the data, migration 0007).
    """

    village = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        related_name="grids",
        limit_choices_to={"level": RegionLevel.VILLAGE},
        verbose_name=_("village"),
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grids",
        verbose_name=_("grid worker"),
    )

    class Meta:
        db_table = "regions_grid"
        ordering = ["region_code", "name"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="grid_unique_name_in_village")]

    def __str__(self):
        return f"{self.village.name} · {self.name}"

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)


class Villager(TimeStamped):
    """A registered villager. The fields that follow from the ID number and the name (sex, birth date,
    pinyin, blind index) are filled by people.services.villager_derive_fields, which every path that
    registers or corrects a villager calls (services, admin, roster import, demo): a model calls no service."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="villager",
        verbose_name=_("account"),
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    # Lower-case pinyin without tones, for look-up by people typing on a phone keyboard.
    name_pinyin = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    id_number = EncryptedTextField(_("ID number"))
    # Keyed hash of the ID number: finds duplicates without decrypting (see core.crypto).
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False, db_index=True)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True, db_index=True)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="villagers", verbose_name=_("village"))
    group = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("villager group")
    )
    grid = models.ForeignKey(
        Grid,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="villagers",
        verbose_name=_("grid"),
    )
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members", verbose_name=_("household")
    )
    living_away = models.BooleanField(_("living away"), default=False)
    away_city = models.CharField(_("city where they work"), max_length=50, blank=True)

    # Not stored: the phone as this reader may see it (full or masked), set by the villager list page.
    phone_shown: str

    class Meta:
        # Pinyin order is the order Chinese readers expect (character codes are not).
        ordering = ["region_code", "name_pinyin", "id"]
        verbose_name = _("villager")
        verbose_name_plural = _("villagers")
        indexes = [
            models.Index(fields=["region_code", "birth_date"]),
            models.Index(fields=["region_code", "name_pinyin", "id"], name="villager_scope_pinyin"),
            # The figures' running day (registered today, insights' "typed twice" flag) without a county scan.
            models.Index(fields=["created_at"], name="villager_created"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # What every write keeps, whoever writes (the admin site, a test, a script): the phone in its
        # normal form and the region code of the village, from core helpers only. The fields derived
        # from the ID number and the name are the services' work (villager_derive_fields).
        self.phone = normalize_phone(self.phone)
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def is_adult(self) -> bool:
        return self.age >= ADULT_AGE

    @property
    def is_household_representative(self) -> bool:
        return self.household_id is not None and self.household.representative_id == self.pk


class OfficeKind(models.TextChoices):
    GOVERNMENT = "government", _("Government office")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    NATURAL_RESOURCES = "natural_resources", _("Natural resources")
    SOCIAL_SECURITY = "social_security", _("Human resources and social security")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs")
    HEALTH = "health", _("Health and medical insurance")
    DISABLED = "disabled", _("Disabled persons' federation")
    HOUSING = "housing", _("Housing and construction")
    SERVICE_CENTRE = "service_centre", _("Service centre")
    OTHER = "other", _("Other")


class Office(TimeStamped):
    """A township or county department that receives applications and concerns."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OfficeKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="offices", verbose_name=_("region"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="office_unique_name_in_region")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    REPRESENTATIVE = "representative", _("Villager representative")
    CADRE = "cadre", _("Village cadre")
    PARTY_SECRETARY = "party_secretary", _("Village Party secretary")
    SUPERVISOR = "supervisor", _("Supervision committee member")
    GRID_WORKER = "grid_worker", _("Grid worker")
    OFFICE_STAFF = "office_staff", _("Office staff")
    COUNTY_ADMIN = "county_admin", _("County administrator")


class RoleAssignment(TimeStamped):
    """A role held *in* a region; it reaches the region's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles", verbose_name=_("account")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="roles", verbose_name=_("region"))
    # Copy of region.prefix: scope checks are then string prefix tests, no join.
    region_prefix = models.CharField(max_length=15, db_index=True, editable=False)
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("office")
    )
    title = models.CharField(_("job title"), max_length=50, blank=True)

    class Meta:
        ordering = ["region_prefix", "role"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=models.Q(office__isnull=True),
                name="role_unique_without_office",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "office"],
                condition=models.Q(office__isnull=False),
                name="role_unique_in_office",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} · {self.region}"

    def save(self, *args, **kwargs):
        self.region_prefix = self.region.prefix
        super().save(*args, **kwargs)


class DelegationScope(models.TextChoices):
    """Kinds of action a helper may take for a villager."""

    CONCERNS = "concerns", _("Raise and follow concerns")
    APPLICATIONS = "applications", _("Apply for services")
    MEETINGS = "meetings", _("Check in and vote at meetings")
    CONSULTATIONS = "consultations", _("Comment on drafts")
    RECORDS = "records", _("See my personal record")
    NOTICES = "notices", _("Receive copies of my notices")
    POINTS = "points", _("Declare points for my household")
    ORGANISATIONS = "organisations", _("Sign me up for activities of village organisations")


class Relation(models.TextChoices):
    FAMILY = "family", _("Family member")
    GRID_WORKER = "grid_worker", _("Grid worker")
    STATION = "station", _("Village service station agent")


class Delegation(TimeStamped):
    """A villager's recorded, revocable permission for a helper to act for them."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    villager = models.ForeignKey(
        Villager, on_delete=models.CASCADE, related_name="delegations", verbose_name=_("villager")
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_held", verbose_name=_("helper")
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    scopes = models.JSONField(_("what the helper may do"), default=list)
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    region_code = models.CharField(max_length=15, db_index=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")

    def __str__(self):
        return f"{self.helper} → {self.villager}"

    def save(self, *args, **kwargs):
        self.region_code = self.villager.region_code
        super().save(*args, **kwargs)

    def is_active_at(self, when) -> bool:
        return self.revoked_at is None and self.starts_at <= when < self.ends_at

    @property
    def is_active(self) -> bool:
        return self.is_active_at(timezone.now())

    def scope_labels(self) -> list[str]:
        labels = dict(DelegationScope.choices)
        return [labels.get(s, s) for s in self.scopes]


class ConsentSource(models.TextChoices):
    ROSTER = "roster", _("Roster column")
    IN_PERSON = "in_person", _("Given in person to a cadre")
    REPLY = "reply", _("By text message")


class SmsConsent(models.Model):
    """Each change of a number's consent to non-mandatory texts, kept as history (the law asks that
    a withdrawal be kept at least five months): the newest row per number is what holds. Here, with
    the people, because the roster brings it; notify reads it (notify.consent)."""

    phone = models.CharField(max_length=32, db_index=True)
    given = models.BooleanField()
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "notify_smsconsent"  # where it was created (notify migration 0006)
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["phone", "-at"], name="consent_latest")]

    def __str__(self):
        return f"{self.phone} {'yes' if self.given else 'no'} ({self.source})"


class AccessKind(models.TextChoices):
    STAFF_READ = "staff_read", _("Staff read the record")
    EXPORT = "export", _("Included in an export")
    DELEGATION_USE = "delegation_use", _("A helper acted under a delegation")
    DATA_REUSE = "data_reuse", _("Data reused by another office")


class DataAccess(models.Model):
    """One row each time someone other than the villager reads or uses their personal data.

    Shown to the villager on "who looked at my data"; kept at least 6 months (PIPL).
    """

    created_at = models.DateTimeField(auto_now_add=True)
    subject = models.ForeignKey(Villager, on_delete=models.CASCADE, related_name="accesses")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Snapshots, so the record stays true if the person later changes office or role.
    actor_name = models.CharField(max_length=50)
    actor_office = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=20, choices=AccessKind.choices)
    purpose = models.CharField(max_length=200)
    region_code = models.CharField(max_length=15, db_index=True)
    # The same person reading again for the same reason soon after (a case opened several times while
    # handling it) is one access: counted here, so the villager reads one line, not a column of copies.
    times = models.PositiveIntegerField(default=1)
    last_at = models.DateTimeField(null=True, blank=True)

    # Not stored: the purpose in the reader's language, set by the data-access page.
    purpose_display: str

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject", "-created_at"])]


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Checked, waiting for confirmation")
    REJECTED = "rejected", _("Has errors, nothing imported")
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed, nothing imported")


class RosterImport(TimeStamped):
    """An uploaded roster file: checked first, then written all-or-nothing."""

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    region_code = models.CharField(max_length=15, db_index=True, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="rosters/%Y/%m/")
    original_name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_villagers = models.PositiveIntegerField(default=0)
    created_households = models.PositiveIntegerField(default=0)
    # [{"row": 7, "field": "id_number", "message": "..."}], at most a few thousand kept.
    errors = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
