"""The roster file: its columns in order, their headers (Chinese, English) and accepted aliases."""

from django.utils.translation import gettext_lazy

# Column keys in file order, with the header written in templates and exports (Chinese, English).
COLUMNS = (
    "name",
    "id_number",
    "phone",
    "group",
    "household",
    "household_representative",
    "living_away",
    "away_city",
    "grid",
    "sms_consent",
)
HEADERS = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "id_number"),
    "phone": ("手机号", "phone"),
    "group": ("村民小组", "group"),
    "household": ("户号", "household"),
    "household_representative": ("户代表", "household_representative"),
    "living_away": ("外出务工", "living_away"),
    "away_city": ("务工城市", "away_city"),
    "grid": ("网格", "grid"),
    "sms_consent": ("同意接收短信", "sms_consent"),
}
# Every header spelling we accept -> column key. English keys are lower case (read_rows lowers them).
ALIASES = {
    **{zh: key for key, (zh, _en) in HEADERS.items()},
    **{en: key for key, (_zh, en) in HEADERS.items()},
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "身份证": "id_number",
    "id number": "id_number",
    "id": "id_number",
    "手机": "phone",
    "手机号码": "phone",
    "联系电话": "phone",
    "电话": "phone",
    "mobile": "phone",
    "phone number": "phone",
    "小组": "group",
    "村民组": "group",
    "villager group": "group",
    "户编号": "household",
    "household number": "household",
    "是否户代表": "household_representative",
    "household representative": "household_representative",
    "representative": "household_representative",
    "是否外出务工": "living_away",
    "外出": "living_away",
    "living away": "living_away",
    "working away": "living_away",
    "务工地": "away_city",
    "务工地点": "away_city",
    "away city": "away_city",
    "work city": "away_city",
    "网格名称": "grid",
    "短信同意": "sms_consent",
    "接收短信": "sms_consent",
    "consent to texts": "sms_consent",
    "sms consent": "sms_consent",
}
REQUIRED = ("name", "id_number")
# Labels the preview shows for each column (translated when shown).
COLUMN_LABELS = {
    "": gettext_lazy("Whole file"),
    "name": gettext_lazy("Name"),
    "id_number": gettext_lazy("ID number"),
    "phone": gettext_lazy("Mobile number"),
    "group": gettext_lazy("Villager group"),
    "household": gettext_lazy("Household number"),
    "household_representative": gettext_lazy("Household representative"),
    "living_away": gettext_lazy("Working away"),
    "away_city": gettext_lazy("City where they work"),
    "grid": gettext_lazy("Grid"),
    # Blank: not asked (only texts the law requires reach a number without an account); 是 or 否:
    # the villager's answer, kept as the number's consent (people.SmsConsent, source "roster").
    "sms_consent": gettext_lazy("Consent to texts"),
}
EXAMPLE_ROW = ["张三", "11010519491231002X", "13800000000", "第一村民小组", "0001", "是", "是", "杭州", "", "是"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED_SUFFIXES = (".xlsx", ".csv")
