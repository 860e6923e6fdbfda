"""Quick phrases belong to their own sub-category (issue 17: 积存垃圾渣土 offered construction-waste phrases).

The audit is written down here as each sub-category's *topic words* — what a phrase about that
category talks about. A phrase must name its own topic (unless it is a handling note: 已… / 需… /
经劝导…), and no other category's topic words may fit it better: a phrase that says more about
another category than about its own is filed under the wrong one. Then the report page: the
phrases the form offers for a category are that category's own, for every category of the file.
"""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
SUBCATEGORIES = {
    s["code"]: s for major in json.loads((ROOT / "cases/data/categories.json").read_text(encoding="utf-8")) for s in major["subcategories"]
}
# A handling note (done / to do / after persuasion) need not name the topic.
HANDLING = ("已", "需", "经劝导")

TOPICS = {
    # 01 市容环境
    "0101": ("私搭", "搭建", "棚", "构筑物"),
    "0102": ("暴露", "生活垃圾", "垃圾桶", "垃圾袋", "散落", "保洁"),
    "0103": ("积存", "渣土"),
    "0104": ("油污", "污渍", "烟头", "纸屑", "清扫"),
    "0105": ("河涌", "水面", "河岸", "河水", "水浮莲"),
    "0106": ("绿化带", "绿地", "花坛"),
    "0107": ("长期停放", "积满灰尘", "号牌", "轮胎", "僵尸车", "移走"),
    "0108": ("喷涂", "涂鸦", "乱写乱画"),
    "0199": ("市容", "街容"),
    # 02 宣传广告
    "0201": ("小广告", "张贴", "贴满", "铲除"),
    "0202": ("店招", "招牌", "灯箱", "广告牌", "大型广告"),
    "0203": ("广告牌", "落地广告", "拱门", "气模", "占用人行道"),
    "0204": ("横幅", "标语"),
    "0299": ("宣传",),
    # 03 施工管理
    "0301": ("工地", "施工", "噪声", "震动", "扰民"),
    "0302": ("扬尘", "裸土", "覆盖", "冲洗", "降尘", "洒水"),
    "0303": ("遗撒", "泥浆", "泥土", "沿途"),
    "0304": ("占道施工", "占用道路", "围蔽", "恢复路面", "警示灯"),
    "0305": ("围挡",),
    "0306": ("泥头车", "渣土车", "加盖", "带泥", "运输证"),
    "0399": ("施工",),
    # 04 突发事件
    "0401": ("塌陷", "坑洞"),
    "0402": ("爆管", "清水", "停水", "供水"),
    "0403": ("燃气", "漏气", "泄漏"),
    "0404": ("井口", "排水管", "堵塞", "化粪池", "外溢", "满溢"),
    "0405": ("积水", "内涝", "暴雨", "雨水篦子"),
    "0406": ("井盖",),
    "0407": ("大树", "树木", "树枝", "倒伏"),
    "0499": ("突发", "紧急"),
    # 05 街面秩序
    "0501": ("游商", "流动", "摊贩", "叫卖", "售卖"),
    "0502": ("流浪", "乞讨", "露宿", "救助站"),
    "0503": ("废品", "收购"),
    "0504": ("店门口", "店外", "货物", "售卖", "经营", "占用人行道"),
    "0505": ("机动车", "违停", "车辆堵塞"),
    "0506": ("电动车", "自行车", "乱停放", "摆放整齐"),
    "0507": ("乱堆", "堆放", "纸箱", "杂物", "建材", "砖块", "沙石"),
    "0508": ("高音喇叭", "音量", "音乐"),
    "0509": ("黑车", "拉客", "揽客", "私家车", "非法营运"),
    "0510": ("烧烤",),
    "0511": ("晾晒", "晾挂", "衣物", "被褥"),
    "0512": ("盗版", "出版物", "音像制品"),
    "0513": ("空调", "外机"),
    "0599": ("街面秩序", "通行"),
    # 06 共享单车与交通秩序
    "0601": ("共享单车", "单车", "调度"),
    "0602": ("共享单车", "单车", "损坏", "丢弃", "回收"),
    "0603": ("盲道",),
    "0604": ("交通标志", "标志牌", "标线", "减速带", "护栏"),
    "0605": ("摩的", "摩托车", "三轮车", "载客"),
    "0699": ("交通秩序", "通行"),
    # 07 消防安全
    "0701": ("消防车通道", "疏散通道", "安全出口", "通道"),
    "0702": ("灭火器", "消火栓", "应急照明", "疏散指示"),
    "0703": ("燃气", "气瓶", "软管", "报警装置"),
    "0704": ("电动车", "充电", "楼梯间", "门厅"),
    "0705": ("住人", "住宿", "小作坊"),
    "0706": ("电线", "插排"),
    "0707": ("可燃物", "易燃", "楼道", "搬离"),
    "0799": ("消防",),
    # 08 安全生产
    "0801": ("危化品", "危险化学品"),
    "0802": ("有限空间", "气体检测"),
    "0803": ("特种作业", "电焊", "电工", "叉车司机"),
    "0804": ("设备", "防护罩", "冲床", "急停"),
    "0805": ("粉尘", "除尘", "防爆"),
    "0806": ("电梯", "锅炉", "压力容器", "叉车"),
    "0807": ("警示标志", "警示标识"),
    "0899": ("安全生产", "安全管理"),
    # 09 食品药品安全
    "0901": ("食品经营许可证", "许可证", "家庭作坊"),
    "0902": ("过期", "变质", "生产日期"),
    "0903": ("从业人员", "健康证明"),
    "0904": ("后厨", "生熟", "餐具", "防鼠防蝇", "卫生"),
    "0905": ("药店", "药师", "药品", "处方药", "医疗器械"),
    "0906": ("标签", "进货查验", "散装食品"),
    "0999": ("食品", "药品"),
    # 10 环境污染
    "1001": ("广场舞", "音响", "娱乐场所", "装修", "噪声", "扰民"),
    "1002": ("油烟", "排烟", "餐饮"),
    "1003": ("污水", "直排", "排污口"),
    "1004": ("焚烧", "浓烟", "扑灭"),
    "1005": ("废气", "刺鼻", "烟囱", "黑烟"),
    "1006": ("危险废物", "危废", "废机油"),
    "1007": ("边角料", "废渣", "固废"),
    "1008": ("工厂", "风机", "冷却塔", "噪声", "震动"),
    "1099": ("环境污染", "异味"),
    # 11 违法建设与房屋安全
    "1101": ("违建", "规划许可", "新建房屋"),
    "1102": ("楼顶", "天台", "加建", "加层"),
    "1103": ("房屋", "墙体", "裂缝", "梁柱", "开裂", "倒塌", "住户"),
    "1104": ("承重墙", "地下室", "夹层"),
    "1105": ("外墙", "瓷砖", "饰面", "警戒"),
    "1106": ("土地", "农用地"),
    "1107": ("边坡", "挡土墙", "山体", "滑坡"),
    "1199": ("建设", "房屋安全"),
    # 12 矛盾纠纷与社会治安
    "1201": ("邻居", "邻里", "争吵", "调解"),
    "1202": ("工资", "劳动关系"),
    "1203": ("出租屋", "群租", "房东", "租客"),
    "1204": ("流动人口", "入住", "登记"),
    "1205": ("可疑", "监控", "治安", "盗窃", "路灯"),
    "1206": ("物业", "业主", "小区公共设施", "协商"),
    "1207": ("赌博", "涉黄", "可疑场所"),
    "1299": ("矛盾纠纷", "多方"),
    # 13 民生服务
    "1301": ("低保", "救助", "致贫", "困境儿童"),
    "1302": ("老人", "探访"),
    "1303": ("劳动合同", "社会保险", "就业"),
    "1304": ("明码标价", "缺斤短两", "预付卡"),
    "1305": ("蚊虫", "鼠迹", "灭蚊灭鼠", "积水容器", "清除积水"),
    "1306": ("公共场所", "卫生许可证", "旅馆", "理发店", "消毒"),
    "1307": ("诊所", "行医", "医疗美容"),
    "1308": ("网吧", "歌舞", "娱乐场所", "游艺"),
    "1309": ("健身器材", "篮球架", "文化室"),
    "1310": ("路名牌", "门牌", "地名标志"),
    "1399": ("诉求",),
}


def score(phrase: str, code: str) -> int:
    return sum(1 for word in TOPICS[code] if word in phrase)


def test_every_sub_category_of_the_file_has_its_topic_written_down():
    assert set(TOPICS) == set(SUBCATEGORIES)


@pytest.mark.parametrize("code", sorted(SUBCATEGORIES))
def test_each_phrase_belongs_to_its_own_sub_category(code):
    problems = []
    for phrase in SUBCATEGORIES[code]["phrases"]:
        own = score(phrase, code)
        if own == 0 and not phrase.startswith(HANDLING):
            problems.append(f"“{phrase}” does not name {code} {SUBCATEGORIES[code]['name']}'s topic")
        better = [f"{c} {SUBCATEGORIES[c]['name']}" for c in TOPICS if c != code and score(phrase, c) > own]
        if better:
            problems.append(f"“{phrase}” fits {', '.join(better)} better than {code} {SUBCATEGORIES[code]['name']}")
    assert not problems, "\n".join(problems)


def test_the_rule_catches_the_phrases_that_were_filed_wrongly():
    """The audit's two findings, as they were: the rule would have failed them."""
    assert score("渣土堆放未覆盖，有扬尘", "0302") > score("渣土堆放未覆盖，有扬尘", "0103")
    assert score("车辆占用消防车通道", "0701") > score("车辆占用消防车通道", "0505")
    assert score("摩托车载客揽客", "0605") > score("摩托车载客揽客", "0509")


def test_no_construction_waste_among_the_accumulated_garbage_phrases():
    phrases = SUBCATEGORIES["0103"]["phrases"]
    assert not [p for p in phrases if re.search("建筑垃圾|扬尘|偷倒|工地", p)]
    assert all("积存" in p or "渣土" in p for p in phrases)


@pytest.mark.django_db
def test_the_report_page_offers_each_category_its_own_phrases(login, users):
    from cases.models import CaseCategory
    from cases.services import category_import_json

    assert category_import_json().ok
    response = login(users["grid_worker"]).get(reverse("cases:report"))
    html = response.content.decode()
    meta = json.loads(re.search(r'<script id="category-meta" type="application/json">(.*?)</script>', html, re.S).group(1))
    by_pk = {str(c.pk): c.code for c in CaseCategory.objects.filter(parent__isnull=False)}
    assert len(meta) == len(SUBCATEGORIES)
    for pk, info in meta.items():
        code = by_pk[pk]
        assert info["code"] == code and info["name"] == SUBCATEGORIES[code]["name"]
        assert info["phrases"] == SUBCATEGORIES[code]["phrases"], code
        assert info["od"] == SUBCATEGORIES[code]["on_discovery"], code
