"""Fixed vocabularies of the two programmes, as data: code → Persian label.

Codes are stored in the database; labels are what people read.
"""
from __future__ import annotations

# How an application reached us (programme B's SLA names these channels).
CHANNELS: dict[str, str] = {
    "portal": "پورتال / سامانه سها",
    "e_desk": "میز خدمت الکترونیک",
    "in_person": "میز خدمت حضوری",
    "counter_office": "دفتر پیشخوان",
}

# The applicant's sex (Form 1, the import): how letters and minutes address the person.
GENDERS: dict[str, str] = {"female": "زن", "male": "مرد"}
ADDRESS_TITLES: dict[str, str] = {"female": "خانم", "male": "آقای"}

# Form 1: «تحت پوشش ... حوزه» — the deputy that covers the applicant.
COVERING_DOMAINS: dict[str, str] = {
    "rehabilitation": "توانبخشی",
    "social": "امور اجتماعی",
    "prevention": "پیشگیری",
    "relief": "کمیته امداد",
}

TARGET_GROUPS: dict[str, str] = {
    "disabled": "معلولین",
    "female_head": "زنان سرپرست خانوار و فرزندان تحت تکفل",
    "self_supporting_woman": "زنان خودسرپرست و بدسرپرست",
    "care_leaver": "فرزندان ترخیص‌شده از مراکز شبانه‌روزی",
    "recovered_addict": "معتادین بهبودیافته",
    "socially_harmed": "سایر آسیب‌دیدگان اجتماعی",
}

# The documents each programme needs (programme A: all four before any payment).
DOCUMENTS: dict[str, dict[str, str]] = {
    "A": {
        "form1": "فرم مشخصات (فرم شماره ۱)",
        "sso_payment_proof": "مدرک معتبر پرداخت حق بیمه خویش‌فرما",
        "committee_approval": "نظریه و تأیید کمیته اشتغال و کارآفرینی (فرم شماره ۲)",
        "sso_discount_inquiry": "استعلام تخفیف‌های بیمه‌ای از سازمان تأمین اجتماعی",
    },
    "B": {
        "request_form": "فرم درخواست بیمه",
        "id_documents": "تصویر شناسنامه و کارت ملی",
        "head_of_household_proof": "مدرک سرپرستی خانوار",
        "relief_coverage": "گواهی پوشش کمیته امداد",
    },
}

# Documents a committee produces, not the applicant: programme A's Form 2 (the committee's opinion)
# is filled in by the county committee's decision, so it is never missing at the desk.
COMMITTEE_MADE = frozenset({"committee_approval"})


def missing_documents(program: str, received: set[str] | frozenset[str]) -> list[str]:
    """The Persian labels of the programme's documents not received yet (checklist order),
    leaving out those a committee produces."""
    return [label for kind, label in DOCUMENTS[program].items() if kind not in received and kind not in COMMITTEE_MADE]


# Programme A's eligibility conditions, each confirmed by someone.
ELIGIBILITY_CONDITIONS: dict[str, str] = {
    "registered_client": "ثبت مشخصات در بانک اطلاعات مددجویان",
    "job_readiness": "تأیید آمادگی شغلی توسط معاونت تخصصی",
    "job_confirmed": "تأیید فرصت شغلی توسط کمیته اشتغال شهرستان",
}

# Form 2: the members whose signatures the county committee's minutes carry.
COMMITTEE_ROLES: dict[str, str] = {
    "head": "رئیس اداره بهزیستی شهرستان",
    "employment_expert": "کارشناس اشتغال و کارآفرینی",
    "rehabilitation_expert": "کارشناس توانبخشی (ارزیاب حرفه‌ای)",
    "social_expert": "کارشناس امور اجتماعی",
    "prevention_expert": "کارشناس امور پیشگیری",
    "guest": "مدعو (بدون حق رأی)",
}

# Seed 003, «کمیته اشتغال استان»: the deputy, the responsible expert and the employment experts,
# the province's liaison experts of rehabilitation, social affairs and prevention; advisers
# invited without a vote. The provincial minutes list these roles.
PROVINCE_COMMITTEE_ROLES: dict[str, str] = {
    "deputy": "معاون اداره کل بهزیستی استان",
    "responsible_expert": "کارشناس مسئول اشتغال و کارآفرینی",
    "employment_expert": "کارشناس اشتغال و کارآفرینی",
    "rehabilitation_liaison": "کارشناس رابط توانبخشی استان",
    "social_liaison": "کارشناس رابط امور اجتماعی استان",
    "prevention_liaison": "کارشناس رابط امور پیشگیری استان",
    "guest": "مدعو (بدون حق رأی)",
}

# Every committee role of either level (for labels: the codes never clash in meaning).
ALL_COMMITTEE_ROLES: dict[str, str] = {**COMMITTEE_ROLES, **PROVINCE_COMMITTEE_ROLES}

# The specialised deputy (معاونت تخصصی) that referred a programme A applicant and confirms
# their job readiness and the duration of support.
SPECIALISED_DEPUTIES: dict[str, str] = {
    "rehabilitation": "معاونت توانبخشی",
    "social": "معاونت امور اجتماعی",
    "prevention": "معاونت امور پیشگیری",
}

FUNDING_SOURCES: dict[str, str] = {
    "program_30435": "برنامه ۳۰۴۳۵ (اشتغال و کارآفرینی)",
    "public_participation": "منابع مشارکت‌های مردمی",
    "other": "سایر منابع به تشخیص رئیس سازمان یا مدیر کل استان",
    "government": "سهم دولت",
    "relief_committee": "سهم کمیته امداد",
}

# Which funding sources credit each programme's budget (issue 7). Programme A's three sources are
# one pool; programme B's two are its agency's 8 % (relief_committee, the lines' agency share) and
# the government's 10 % (government, the lines' government share), each checked on its own.
BUDGET_SOURCES: dict[str, tuple[str, ...]] = {
    "A": ("program_30435", "public_participation", "other"),
    "B": ("relief_committee", "government"),
}

# SSO self-employed contract rates (basis points).
CONTRACT_RATES: dict[int, str] = {
    1200: "۱۲٪ (بازنشستگی)",
    1400: "۱۴٪ (بازنشستگی و فوت)",
    1800: "۱۸٪ (بازنشستگی، از کارافتادگی و فوت)",
}


def label(vocabulary: dict, code: object) -> str:
    """The Persian label of a code, or the code itself when unknown."""
    return vocabulary.get(code, str(code) if code is not None else "—")
