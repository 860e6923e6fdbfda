"""Synthetic ID cards and business licences with known values (test corpus and benchmark).

Rendered with Pillow and the Noto CJK font (Debian ``fonts-noto-cjk``); nothing is
downloaded. Every number carries a valid check character (GB 11643 / GB 32100 and
the embedded GB 11714 organisation code), so the recogniser's checks are exercised
for real. ``degrade`` applies the faults of phone photos: noise, blur, slight
rotation, low contrast, perspective, JPEG compression.

Deterministic: the same seed gives the same values and the same pixels.
"""

from __future__ import annotations

import glob
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from .numbers import id_check_char, org_check_char, uscc_check_char

FONT_GLOBS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/**/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/**/NotoSansCJK*.ttc",
)
_SC_INDEX = 2  # "Noto Sans CJK SC" inside the collection


@lru_cache(maxsize=1)
def font_path() -> str:
    for pattern in FONT_GLOBS:
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return found[0]
    raise FileNotFoundError("Noto Sans CJK (Debian package fonts-noto-cjk) is not installed")


@lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(), size, index=_SC_INDEX)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韩唐冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程苏魏吕丁任沈姚卢钟姜崔谭陆汪范廖石金贾夏韦付方邹熊白孟秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志文斌宇浩凯健俊峰海波宁欣怡佳琪梓涵子轩嘉豪思远晓东春梅雪松德胜"
NATIONS = ["汉"] * 6 + ["壮", "回", "满", "苗", "瑶"]
AREAS = {
    "440604": "广东省佛山市禅城区",
    "440605": "广东省佛山市南海区",
    "440606": "广东省佛山市顺德区",
}
STREETS = ["石湾镇街道", "祖庙街道", "张槎街道", "南庄镇"]
ROADS = ["丽豪路", "东风路", "建设大道", "镇安西路", "季华五路", "同济东路", "朝安南路", "绿景三路"]
PLACES = ["丽豪社区", "东风社区", "镇安村", "澜石村", "南庄村"]
TRADES = ["贸易", "餐饮管理", "电子科技", "陶瓷", "物业服务", "建材", "五金制品", "信息技术"]
FIRM_WORDS = ["恒盛", "佳美", "新锐", "泰和", "远航", "鸿运", "金石", "华彩", "同创", "瑞丰"]
TYPES = ["有限责任公司(自然人独资)", "有限责任公司(自然人投资或控股)", "个人独资企业", "股份有限公司(非上市)"]
CAPITALS = ["人民币壹佰万元", "人民币伍拾万元", "人民币叁佰万元", "人民币壹仟万元", "人民币贰拾万元"]
SCOPES = [
    "销售:日用百货、五金交电、建筑材料、陶瓷制品;货物进出口、技术进出口。",
    "餐饮服务;食品销售;酒类经营;企业管理咨询;会议及展览服务。",
    "电子产品研发、销售;计算机软硬件技术开发;信息系统集成服务。",
    "物业管理;停车场服务;家政服务;园林绿化工程施工;清洁服务。",
]
# Upper-case alphabet of GB 32100 without I O S V Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


# --------------------------------------------------------------------------- values


@dataclass
class IdCardValues:
    name: str
    sex: str
    nation: str
    birth: date
    address: str
    number: str

    def fields(self) -> dict[str, str]:
        return {
            "name": self.name,
            "sex": self.sex,
            "nation": self.nation,
            "birth": self.birth.isoformat(),
            "address": self.address,
            "id_number": self.number,
        }


@dataclass
class LicenceValues:
    name: str
    credit_code: str
    type: str
    legal_rep: str
    capital: str
    founded: date
    term: str
    address: str
    scope: str

    def fields(self) -> dict[str, str]:
        return {
            "name": self.name,
            "credit_code": self.credit_code,
            "type": self.type,
            "legal_rep": self.legal_rep,
            "capital": self.capital,
            "founded": self.founded.isoformat(),
            "term": self.term,
            "address": self.address,
            "scope": self.scope,
        }


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _address(rng: random.Random, area: str) -> str:
    return (
        AREAS[area]
        + rng.choice(STREETS)
        + rng.choice(PLACES)
        + rng.choice(ROADS)
        + f"{rng.randint(1, 199)}号"
        + (f"{rng.randint(1, 30)}座{rng.randint(101, 2808)}房" if rng.random() < 0.6 else "")
    )


def id_number(area: str, birth: date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_char(body)


def random_id_card(rng: random.Random) -> IdCardValues:
    area = rng.choice(list(AREAS))
    birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    seq = rng.randint(1, 999)
    sex = "男" if seq % 2 else "女"
    return IdCardValues(
        name=_person_name(rng),
        sex=sex,
        nation=rng.choice(NATIONS),
        birth=birth,
        address=_address(rng, area),
        number=id_number(area, birth, seq),
    )


def credit_code(rng: random.Random, area: str = "440604") -> str:
    body8 = "MA" + "".join(rng.choice(USCC_ALPHABET[:10] + "BCDEFGHJKLMNPQRTUWXY") for _ in range(6))
    org = body8 + org_check_char(body8)
    body = "91" + area + org
    return body + uscc_check_char(body)


def random_licence(rng: random.Random) -> LicenceValues:
    area = rng.choice(list(AREAS))
    founded = date(2005, 1, 1) + timedelta(days=rng.randint(0, 365 * 19))
    term = "长期" if rng.random() < 0.5 else f"{founded:%Y}年{founded:%m}月{founded:%d}日至长期"
    return LicenceValues(
        name=f"佛山市{AREAS[area][-3:-1]}区{rng.choice(FIRM_WORDS)}{rng.choice(TRADES)}有限公司",
        credit_code=credit_code(rng, area),
        type=rng.choice(TYPES),
        legal_rep=_person_name(rng),
        capital=rng.choice(CAPITALS),
        founded=founded,
        term=term,
        address=_address(rng, area),
        scope=rng.choice(SCOPES),
    )


# --------------------------------------------------------------------------- drawing


def _wrap(text: str, per_line: int) -> list[str]:
    return [text[i : i + per_line] for i in range(0, len(text), per_line)] or [""]


def _on_table(card: Image.Image, rng: random.Random, margin: float = 0.07) -> Image.Image:
    """Put the card on a darker 'table' so the photo looks like one."""
    w, h = card.size
    mx, my = int(w * margin), int(h * margin)
    table = Image.new("RGB", (w + 2 * mx, h + 2 * my), (70 + rng.randint(0, 30), 60, 55))
    table = Image.blend(table, _noise(table.size, rng), 0.1)
    table.paste(card, (mx, my))
    return table


def render_id_card(values: IdCardValues, *, seed: int = 0, scale: float = 1.0) -> Image.Image:
    """The front (portrait side) of a resident ID card, 85.6 x 54 mm at 20 px/mm * scale."""
    rng = random.Random(seed)
    s = scale
    W, H = int(1712 * s), int(1080 * s)
    card = Image.new("RGB", (W, H), (236, 242, 246))
    d = ImageDraw.Draw(card)
    # faint guilloche-like background waves
    for i in range(0, W, int(24 * s)):
        d.arc((i - 300 * s, H * 0.55, i + 300 * s, H * 1.4), 200, 340, fill=(214, 226, 236), width=max(1, int(2 * s)))
    label_color, value_color = (60, 110, 160), (20, 20, 20)
    lf, vf, nf = font(int(40 * s)), font(int(50 * s)), font(int(58 * s))
    x_label, x_value = int(110 * s), int(300 * s)

    def label(y, text, x=x_label):
        d.text((x, y), text, font=lf, fill=label_color)

    y = int(110 * s)
    label(y + int(6 * s), "姓 名")
    d.text((x_value, y), values.name, font=vf, fill=value_color)
    y += int(140 * s)
    label(y + int(6 * s), "性 别")
    d.text((x_value, y), values.sex, font=vf, fill=value_color)
    label(y + int(6 * s), "民 族", x=int(560 * s))
    d.text((int(740 * s), y), values.nation, font=vf, fill=value_color)
    y += int(140 * s)
    label(y + int(6 * s), "出 生")
    b = values.birth
    d.text((x_value, y), f"{b.year}", font=vf, fill=value_color)
    label(y + int(6 * s), "年", x=int(460 * s))
    d.text((int(540 * s), y), f"{b.month}", font=vf, fill=value_color)
    label(y + int(6 * s), "月", x=int(620 * s))
    d.text((int(700 * s), y), f"{b.day}", font=vf, fill=value_color)
    label(y + int(6 * s), "日", x=int(780 * s))
    y += int(140 * s)
    label(y + int(6 * s), "住 址")
    for line in _wrap(values.address, 12)[:3]:
        d.text((x_value, y), line, font=vf, fill=value_color)
        y += int(72 * s)
    label(int(890 * s), "公民身份号码")
    d.text((int(560 * s), int(878 * s)), values.number, font=nf, fill=value_color)
    # the portrait: a grey silhouette box on the right
    px0, py0, px1, py1 = int(1180 * s), int(150 * s), int(1600 * s), int(720 * s)
    d.rectangle((px0, py0, px1, py1), fill=(205, 212, 220))
    d.ellipse((px0 + 110 * s, py0 + 60 * s, px1 - 110 * s, py0 + 300 * s), fill=(120, 120, 130))
    d.ellipse((px0 + 40 * s, py0 + 300 * s, px1 - 40 * s, py1 + 200 * s), fill=(120, 120, 130))
    d.rectangle((px0, py1, px1, py1 + 220 * s), fill=(236, 242, 246))
    return _on_table(card, rng)


def render_licence(values: LicenceValues, *, seed: int = 0, scale: float = 1.0) -> Image.Image:
    """A business licence (营业执照), original copy, landscape, with a red seal."""
    rng = random.Random(seed)
    s = scale
    W, H = int(2400 * s), int(1700 * s)
    page = Image.new("RGB", (W, H), (250, 246, 238))
    d = ImageDraw.Draw(page)
    d.rectangle((40 * s, 40 * s, W - 40 * s, H - 40 * s), outline=(190, 60, 50), width=int(10 * s))
    tf, lf, vf = font(int(120 * s)), font(int(44 * s)), font(int(44 * s))
    title_w = d.textlength("营业执照", font=tf)
    d.text(((W - title_w) / 2, 120 * s), "营业执照", font=tf, fill=(170, 30, 30))
    ink = (25, 25, 25)
    d.text((150 * s, 330 * s), "统一社会信用代码", font=lf, fill=ink)
    d.text((560 * s, 330 * s), values.credit_code, font=vf, fill=ink)
    left_x, left_v, right_x, right_v = int(150 * s), int(470 * s), int(1300 * s), int(1600 * s)
    row = int(100 * s)
    y0 = int(500 * s)
    left = [("名称", values.name), ("类型", values.type), ("法定代表人", values.legal_rep)]
    f = values.founded
    right = [
        ("注册资本", values.capital),
        ("成立日期", f"{f.year}年{f.month:02d}月{f.day:02d}日"),
        ("营业期限", values.term),
    ]
    for i, (lab, val) in enumerate(left):
        d.text((left_x, y0 + i * row), lab, font=lf, fill=ink)
        d.text((left_v, y0 + i * row), val, font=vf, fill=ink)
    for i, (lab, val) in enumerate(right):
        d.text((right_x, y0 + i * row), lab, font=lf, fill=ink)
        d.text((right_v, y0 + i * row), val, font=vf, fill=ink)
    y = y0 + 3 * row
    d.text((left_x, y), "经营范围", font=lf, fill=ink)
    scope_lines = _wrap(values.scope, 16)
    for j, line in enumerate(scope_lines):
        d.text((left_v, y + j * int(66 * s)), line, font=vf, fill=ink)
    d.text((right_x, y), "住所", font=lf, fill=ink)
    for j, line in enumerate(_wrap(values.address, 14)):
        d.text((right_v, y + j * int(66 * s)), line, font=vf, fill=ink)
    # the registration authority and its red seal, overlapping the bottom right
    d.text((1500 * s, 1420 * s), "登记机关", font=lf, fill=ink)
    cx, cy, r = 1900 * s, 1430 * s, 170 * s
    seal = Image.new("RGBA", page.size, (0, 0, 0, 0))
    sd = ImageDraw.Draw(seal)
    sd.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(220, 40, 40, 200), width=int(12 * s))
    sd.text((cx - 60 * s, cy - 40 * s), "★", font=font(int(80 * s)), fill=(220, 40, 40, 200))
    sd.text((cx - 130 * s, cy + 50 * s), "市场监督管理局", font=font(int(36 * s)), fill=(220, 40, 40, 200))
    page = Image.alpha_composite(page.convert("RGBA"), seal).convert("RGB")
    return _on_table(page, rng, margin=0.04)


# --------------------------------------------------------------------------- degradation

def _noise(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Grey speckle from the seeded generator (Image.effect_noise is not reproducible)."""
    w, h = size
    return Image.frombytes("L", size, rng.randbytes(w * h)).convert("RGB")


DEGRADATIONS = ("clean", "noise", "blur", "rotate", "contrast", "perspective", "mixed")
MILD = ("clean", "noise", "blur", "rotate", "contrast", "perspective")


def degrade(im: Image.Image, kind: str, *, seed: int = 0) -> Image.Image:
    """One of DEGRADATIONS, mild enough for a phone photo a person would accept."""
    rng = random.Random(seed)
    if kind == "clean":
        return im
    if kind == "noise":
        return Image.blend(im, _noise(im.size, rng), 0.22)
    if kind == "blur":
        return im.filter(ImageFilter.GaussianBlur(radius=1.6 * im.width / 1800))
    if kind == "rotate":
        angle = rng.choice((-1, 1)) * rng.uniform(2.0, 4.0)
        return im.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(70, 60, 55))
    if kind == "contrast":
        return ImageEnhance.Brightness(ImageEnhance.Contrast(im).enhance(0.35)).enhance(1.15)
    if kind == "perspective":
        w, h = im.size
        k = 0.04
        # map the output rectangle from a slightly tilted quadrilateral of the input
        # Pillow's QUAD: upper-left, lower-left, lower-right, upper-right corners of the source
        src = [(w * k * rng.random(), h * k * rng.random()), (w * k * rng.random(), h),
               (w, h * (1 - k * rng.random())), (w * (1 - k * rng.random()), 0)]
        return im.transform(im.size, Image.Transform.QUAD, [c for p in src for c in p],
                            resample=Image.Resampling.BICUBIC, fillcolor=(70, 60, 55))
    if kind == "mixed":
        out = degrade(im, "rotate", seed=seed)
        out = degrade(out, "noise", seed=seed)
        return degrade(out, "blur", seed=seed)
    raise ValueError(kind)


def jpeg_bytes(im: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


@dataclass
class Sample:
    kind: str  # "id_card" | "licence"
    degradation: str
    expected: dict[str, str]
    content: bytes = field(repr=False)


def corpus(*, id_cards: int, licences: int, degradations=MILD, seed: int = 12, scale: float = 1.0) -> list[Sample]:
    """id_cards x degradations + licences x degradations samples, as JPEG bytes."""
    rng = random.Random(seed)
    out: list[Sample] = []
    for i in range(id_cards):
        values = random_id_card(rng)
        base = render_id_card(values, seed=seed + i, scale=scale)
        for kind in degradations:
            out.append(Sample("id_card", kind, values.fields(), jpeg_bytes(degrade(base, kind, seed=seed + i))))
    for i in range(licences):
        values = random_licence(rng)
        base = render_licence(values, seed=seed + i, scale=scale)
        for kind in degradations:
            out.append(Sample("licence", kind, values.fields(), jpeg_bytes(degrade(base, kind, seed=seed + i))))
    return out
