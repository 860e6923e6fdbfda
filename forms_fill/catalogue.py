"""The field catalogue (字段标签库): 36 natural-person and 75 legal-person fields.

Each field is a *tag* a table template is composed of: a stable English key, the Chinese
label the tables print, a group, a type and whether it is personal/sensitive (masked on
every page, filled in full only in the downloaded file). Person keys map to a column of
``forms_fill.Person`` or to its ``attributes`` JSON; enterprise keys map to a column of
``credit.Enterprise`` or to its ``attributes`` JSON (``column`` is None → attributes).

The labels are the domain's words and are printed as they are in the official tables,
so they are data (Chinese), not translatable UI strings.
"""

from __future__ import annotations

from dataclasses import dataclass

PERSON = "person"
ENTERPRISE = "enterprise"

TEXT, DATE, INT, DECIMAL, CHOICE, ID_NUMBER, PHONE, CREDIT_CODE, REGION = (
    "text", "date", "int", "decimal", "choice", "id_number", "phone", "credit_code", "region",
)


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # 中文标签, as printed in the tables
    group: str
    type: str = TEXT
    sensitive: bool = False  # personal information: masked on pages, audited when filled
    column: str | None = None  # model column; None → the model's ``attributes`` JSON
    choices: tuple[str, ...] = ()
    derived: bool = False  # computed from other data (sex and birth date from the ID number)

    @property
    def mask_kind(self) -> str:
        if self.type == ID_NUMBER:
            return "id_number"
        if self.type == PHONE:
            return "phone"
        return "other" if self.sensitive else ""


def F(key, label, group, type=TEXT, sensitive=False, column=None, choices=(), derived=False):  # noqa: N802
    return Field(key, label, group, type, sensitive, column, tuple(choices), derived)


# --- natural persons (自然人, 36) -------------------------------------------------------------------
PERSON_FIELDS: tuple[Field, ...] = (
    F("name", "姓名", "基本信息", column="name"),
    F("former_name", "曾用名", "基本信息"),
    F("id_number", "公民身份号码", "基本信息", ID_NUMBER, True, column="id_number"),
    F("sex", "性别", "基本信息", CHOICE, column="sex", choices=("男", "女"), derived=True),
    F("ethnicity", "民族", "基本信息", column="ethnicity"),
    F("birth_date", "出生日期", "基本信息", DATE, column="birth_date", derived=True),
    F("native_place", "籍贯", "基本信息"),
    F("household_type", "户口性质", "户籍信息", CHOICE, choices=("农业", "非农业", "居民户口")),
    F("household_address", "户籍地址", "户籍信息", column="household_address"),
    F("household_no", "户号", "户籍信息"),
    F("household_head", "户主姓名", "户籍信息"),
    F("relation_to_head", "与户主关系", "户籍信息", CHOICE, choices=("户主", "配偶", "子", "女", "父母", "其他")),
    F("population_type", "人口类型", "户籍信息", CHOICE, choices=("户籍人口", "流动人口", "寄住人口", "境外人员")),
    F("current_address", "现住址", "联系方式", column="current_address"),
    F("phone", "联系电话", "联系方式", PHONE, True, column="phone"),
    F("emergency_contact", "紧急联系人", "联系方式"),
    F("emergency_phone", "紧急联系人电话", "联系方式", PHONE, True),
    F("grid", "所属网格", "联系方式", REGION, column="region"),
    F("education", "文化程度", "社会信息", CHOICE, choices=("研究生", "大学本科", "大学专科", "高中/中专", "初中", "小学", "文盲或半文盲")),
    F("political_status", "政治面貌", "社会信息", CHOICE, choices=("中共党员", "共青团员", "民主党派", "群众")),
    F("marital_status", "婚姻状况", "社会信息", CHOICE, choices=("未婚", "已婚", "离婚", "丧偶")),
    F("religion", "宗教信仰", "社会信息", sensitive=True),
    F("health_status", "健康状况", "社会信息", CHOICE, sensitive=True, choices=("健康", "一般", "慢性病", "重大疾病")),
    F("employment_status", "就业状态", "就业与社保", CHOICE, choices=("在业", "失业", "灵活就业", "退休", "在校学生", "无劳动能力")),
    F("employer", "工作单位", "就业与社保"),
    F("occupation", "职业", "就业与社保"),
    F("employment_date", "就业登记日期", "就业与社保", DATE),
    F("unemployment_card_no", "失业登记证号", "就业与社保"),
    F("social_insurance_status", "社保参保状态", "就业与社保", CHOICE, choices=("已参保", "未参保", "中断")),
    F("medical_insurance_status", "医保参保状态", "就业与社保", CHOICE, choices=("职工医保", "居民医保", "未参保")),
    F("subsistence_status", "低保/特困", "救助与优抚", CHOICE, sensitive=True, choices=("否", "低保", "特困", "低保边缘")),
    F("disability_level", "残疾等级", "救助与优抚", CHOICE, sensitive=True, choices=("无", "一级", "二级", "三级", "四级")),
    F("disability_card_no", "残疾人证号", "救助与优抚", sensitive=True),
    F("veteran", "退役军人", "救助与优抚", CHOICE, choices=("否", "是")),
    F("living_alone_elderly", "独居老人", "救助与优抚", CHOICE, choices=("否", "是")),
    F("remarks", "备注", "其他"),
)

# --- legal persons (法人, 75) — keys with a column live on credit.Enterprise --------------------------
_E = [
    F("name", "名称", "登记信息", column="name"),
    F("uscc", "统一社会信用代码", "登记信息", CREDIT_CODE, column="uscc"),
    F("enterprise_type", "类型", "登记信息", column="enterprise_type"),
    F("legal_representative", "法定代表人", "登记信息", column="legal_representative"),
    F("registered_capital", "注册资本(万元)", "登记信息", DECIMAL, column="registered_capital"),
    F("established_on", "成立日期", "登记信息", DATE, column="established_on"),
    F("business_term_from", "营业期限自", "登记信息", DATE, column="business_term_from"),
    F("business_term_to", "营业期限至", "登记信息", DATE, column="business_term_to"),
    F("registration_authority", "登记机关", "登记信息", column="registration_authority"),
    F("business_scope", "经营范围", "登记信息", column="business_scope"),
    F("address", "住所", "登记信息", column="address"),
    F("premises_address", "经营场所", "登记信息", column="premises_address"),
    F("industry", "行业", "经营信息", column="industry"),
    F("employees", "从业人数", "经营信息", INT, column="employees"),
    F("contact_name", "联系人", "联系信息", column="contact_name"),
    F("contact_phone", "联系电话", "联系信息", PHONE, True, column="contact_phone"),
    F("status", "登记状态", "登记信息", CHOICE, column="status"),
    F("grid", "所属网格", "联系信息", REGION, column="region"),
    # attributes (no column of their own)
    F("legal_rep_id_number", "法定代表人身份证号码", "登记信息", ID_NUMBER, True),
    F("legal_rep_phone", "法定代表人联系电话", "联系信息", PHONE, True),
    F("approval_date", "核准日期", "登记信息", DATE),
    F("registration_no", "注册号", "登记信息"),
    F("organization_code", "组织机构代码", "登记信息"),
    F("tax_registration_no", "纳税人识别号", "登记信息"),
    F("english_name", "英文名称", "登记信息"),
    F("former_names", "曾用名", "登记信息"),
    F("paid_in_capital", "实缴资本(万元)", "登记信息", DECIMAL),
    F("currency", "币种", "登记信息", CHOICE, choices=("人民币", "美元", "港元", "欧元")),
    F("ownership", "经济类型", "登记信息", CHOICE, choices=("国有", "集体", "私营", "个体", "港澳台投资", "外商投资")),
    F("industry_code", "国民经济行业代码", "经营信息"),
    F("main_products", "主要产品", "经营信息"),
    F("annual_revenue", "上年营业收入(万元)", "经营信息", DECIMAL),
    F("annual_tax", "上年纳税额(万元)", "经营信息", DECIMAL),
    F("scale", "企业规模", "经营信息", CHOICE, choices=("大型", "中型", "小型", "微型")),
    F("above_designated_size", "是否规上企业", "经营信息", CHOICE, choices=("是", "否")),
    F("high_tech", "是否高新技术企业", "经营信息", CHOICE, choices=("是", "否")),
    F("floor_area", "经营面积(平方米)", "场所信息", DECIMAL),
    F("premises_ownership", "场所产权", "场所信息", CHOICE, choices=("自有", "租赁", "其他")),
    F("landlord", "出租方", "场所信息"),
    F("lease_expiry", "租约到期日", "场所信息", DATE),
    F("building_structure", "建筑结构", "场所信息"),
    F("floors", "所在楼层", "场所信息"),
    F("longitude", "经度", "场所信息", DECIMAL),
    F("latitude", "纬度", "场所信息", DECIMAL),
    F("safety_officer", "安全生产责任人", "安全生产", ),
    F("safety_officer_phone", "安全生产责任人电话", "安全生产", PHONE, True),
    F("safety_standardization", "安全生产标准化等级", "安全生产", CHOICE, choices=("一级", "二级", "三级", "未达标")),
    F("hazardous_chemicals", "是否涉及危险化学品", "安全生产", CHOICE, choices=("是", "否")),
    F("dust_explosion_risk", "是否涉爆粉尘", "安全生产", CHOICE, choices=("是", "否")),
    F("limited_space", "是否有限空间作业", "安全生产", CHOICE, choices=("是", "否")),
    F("special_equipment_count", "特种设备数量", "安全生产", INT),
    F("fire_officer", "消防安全责任人", "消防安全"),
    F("fire_officer_phone", "消防安全责任人电话", "消防安全", PHONE, True),
    F("fire_manager", "消防安全管理人", "消防安全"),
    F("fire_key_unit", "是否消防安全重点单位", "消防安全", CHOICE, choices=("是", "否")),
    F("fire_acceptance_no", "消防验收(备案)文号", "消防安全"),
    F("extinguisher_count", "灭火器数量", "消防安全", INT),
    F("food_licence_no", "食品经营许可证号", "许可证照"),
    F("food_licence_expiry", "食品经营许可证有效期", "许可证照", DATE),
    F("pollutant_permit_no", "排污许可证号", "许可证照"),
    F("pollutant_permit_expiry", "排污许可证有效期", "许可证照", DATE),
    F("hygiene_licence_no", "卫生许可证号", "许可证照"),
    F("special_trade_licence_no", "特种行业许可证号", "许可证照"),
    F("drug_licence_no", "药品经营许可证号", "许可证照"),
    F("construction_qualification", "建筑业企业资质", "许可证照"),
    F("environment_category", "环境管理类别", "环境保护", CHOICE, choices=("重点管理", "简化管理", "登记管理")),
    F("wastewater_outlet", "废水排放口", "环境保护"),
    F("emergency_plan_filed", "突发环境事件应急预案备案", "环境保护", CHOICE, choices=("是", "否")),
    F("party_organization", "是否建立党组织", "党建与用工", CHOICE, choices=("是", "否")),
    F("party_members", "党员人数", "党建与用工", INT),
    F("union_established", "是否建立工会", "党建与用工", CHOICE, choices=("是", "否")),
    F("migrant_workers", "外来务工人员数", "党建与用工", INT),
    F("dormitory", "是否设集体宿舍", "党建与用工", CHOICE, choices=("是", "否")),
    F("credit_colour", "信用三色码", "监管信息", CHOICE, choices=("绿", "黄", "红")),
    F("remarks", "备注", "其他"),
]
ENTERPRISE_FIELDS: tuple[Field, ...] = tuple(_E)

CATALOGUE = {PERSON: PERSON_FIELDS, ENTERPRISE: ENTERPRISE_FIELDS}
_BY_KEY = {entity: {f.key: f for f in fields} for entity, fields in CATALOGUE.items()}
_BY_LABEL = {entity: {f.label: f for f in fields} for entity, fields in CATALOGUE.items()}

ENTITY_LABELS = {PERSON: "自然人", ENTERPRISE: "法人"}
KEY_FIELD = {PERSON: "id_number", ENTERPRISE: "uscc"}

assert len(PERSON_FIELDS) == 36, len(PERSON_FIELDS)
assert len(ENTERPRISE_FIELDS) == 75, len(ENTERPRISE_FIELDS)
assert all(len(v) == len(CATALOGUE[k]) for k, v in _BY_KEY.items()), "duplicate catalogue key"


def fields(entity: str) -> tuple[Field, ...]:
    return CATALOGUE[entity]


def field(entity: str, key: str) -> Field:
    return _BY_KEY[entity][key]


def get(entity: str, key: str) -> Field | None:
    return _BY_KEY.get(entity, {}).get(key)


def by_label(entity: str, label: str) -> Field | None:
    """The field whose label (or key) matches a spreadsheet header cell, ignoring spaces and line breaks."""
    text = "".join(str(label or "").split())
    text = text.replace("(", "(").replace(")", ")")
    return _BY_LABEL[entity].get(text) or _BY_KEY[entity].get(text) or _ALIASES[entity].get(text)


# Header spellings seen in the departments' returns, besides the labels.
_ALIASES = {
    PERSON: {
        "身份证号": _BY_KEY[PERSON]["id_number"],
        "身份证号码": _BY_KEY[PERSON]["id_number"],
        "公民身份证号码": _BY_KEY[PERSON]["id_number"],
        "手机号码": _BY_KEY[PERSON]["phone"],
        "手机号": _BY_KEY[PERSON]["phone"],
        "电话": _BY_KEY[PERSON]["phone"],
        "户籍所在地": _BY_KEY[PERSON]["household_address"],
        "居住地址": _BY_KEY[PERSON]["current_address"],
        "网格": _BY_KEY[PERSON]["grid"],
        "学历": _BY_KEY[PERSON]["education"],
    },
    ENTERPRISE: {
        "企业名称": _BY_KEY[ENTERPRISE]["name"],
        "单位名称": _BY_KEY[ENTERPRISE]["name"],
        "社会信用代码": _BY_KEY[ENTERPRISE]["uscc"],
        "信用代码": _BY_KEY[ENTERPRISE]["uscc"],
        "企业类型": _BY_KEY[ENTERPRISE]["enterprise_type"],
        "注册资本": _BY_KEY[ENTERPRISE]["registered_capital"],
        "网格": _BY_KEY[ENTERPRISE]["grid"],
    },
}


def sensitive_keys(entity: str) -> frozenset[str]:
    return frozenset(f.key for f in CATALOGUE[entity] if f.sensitive)
