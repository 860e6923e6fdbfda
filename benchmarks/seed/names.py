"""Synthetic Chinese names for the scale data (clearly fake, deterministic per seed)."""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅钟"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰志红建国嘉欣慧珍锡泉健辉文斌俊浩宇晨婷雪梅海燕"
PLACE = "石湾祖庙张槎南庄澜石河宕鸿业东平季华汾江绿景朝安普君亲仁岭南镇安塔坡莲花丽豪东风城南智城下朗大富河畔紫南罗格吉利杏头"
PLACE_CHARS = sorted(set(PLACE))
# Foshan's five districts first (GB/T 2260), then generated ones for bigger runs.
DISTRICTS = [("440604", "禅城区"), ("440605", "南海区"), ("440606", "顺德区"), ("440607", "三水区"), ("440608", "高明区")]
ROADS = "季华路 汾江路 岭南大道 佛山大道 魁奇路 绿景路 朝安路 文华路 同济路 南海大道".split()
SHOPS = "大排档 五金店 便利店 理发店 汽修厂 快餐店 水果店 建材店 茶餐厅 物流仓".split()
VOLUNTEER_KINDS = "党员 楼长 物业 热心居民".split()


def person(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def place(rng) -> str:
    return rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS)


def district(i: int) -> tuple[str, str]:
    if i < len(DISTRICTS):
        return DISTRICTS[i]
    code = 441000 + i  # further districts of a province-sized run
    return f"{code:06d}", f"第{i + 1}区"


def phone(rng) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
