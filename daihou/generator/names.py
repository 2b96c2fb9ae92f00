"""Chinese names of people, firms and places, and PRC identity numbers with valid check digits.

Everything is built column-wise from small vocabularies (no per-row Python), so that ten
million customers cost no more than a few array operations.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from daihou.generator.writer import join, pick

BANK_NAME = "江川农商银行"

# Common surnames, the most frequent first; drawn with Zipf-like weights.
SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶"
    "程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛"
)
GIVEN_FIRST = tuple("建国志明海文华永红丽秀英玉兰春小晓立德兴福金宝俊伟家佳子梓浩宇欣雨思嘉")
GIVEN_SECOND = (*"强军平勇涛斌杰磊敏静芳霞燕娟洁婷琳颖鹏飞辉超刚峰林华明东", "", "", "", "", "")

# Places: branch towns (counties) and sub-branch localities within a town.
TOWNS = (
    "临河", "青山", "白水", "清溪", "石桥", "龙泉", "安平", "丰乐", "永宁", "长岭",
    "双河", "新集", "柳林", "桃源", "金沙", "凤凰",
)  # fmt: skip
LOCALITIES = (
    "城东", "城西", "城南", "城北", "城关", "新城", "老城", "开发区", "高新", "河口",
    "桥头", "东关", "西关", "南关", "北关", "南街", "北街", "大桥", "小河", "沙河",
    "石门", "黄庄", "王集", "李庄", "张湾", "刘店", "陈坪", "杨林", "马岭", "赵村",
    "孙集", "周口", "吴店", "郑庄", "冯桥", "何家", "许村", "胡集", "朱庄", "高桥",
    "林场", "罗湾", "梁山", "宋集", "唐河", "韩庄", "曹店", "邓村", "彭湖", "田坝",
    "董集", "袁庄", "潘家", "蒋村", "蔡湾", "余庆", "杜集", "叶坪", "程庄", "魏岗",
    "苏圩", "吕桥", "丁集", "任庄", "卢湾", "姚店",
)  # fmt: skip
TOWN_KIND = ("县", "区", "市")

# Trade names (字号) and, per GB/T 4754 section, what a firm or a shop of that trade is called.
TRADE_NAMES = (
    "鑫达", "宏图", "恒通", "华盛", "金源", "瑞丰", "永泰", "富民", "兴旺", "顺发",
    "佳禾", "天成", "盛世", "汇丰", "远航", "嘉禾", "利民", "通达", "新星", "创源",
    "聚福", "德润", "万家", "福泰", "旭日", "长青", "宏达", "祥和", "丰源", "诚信",
    "益农", "绿源", "金穗", "龙腾", "博远", "锦程", "正泰", "和美", "盈科", "广源",
)  # fmt: skip
FIRM_WORDS: dict[str, tuple[str, ...]] = {
    "A": ("农业开发有限公司", "种养殖专业合作社", "果业有限公司", "生态农业有限公司"),
    "B": ("矿业有限公司", "石材有限公司"),
    "C": ("机械制造有限公司", "食品有限公司", "纺织有限公司", "建材有限公司", "塑业有限公司"),
    "D": ("电力有限公司", "燃气有限公司", "水务有限公司"),
    "E": ("建筑工程有限公司", "建设有限公司", "装饰工程有限公司"),
    "F": ("商贸有限公司", "物资有限公司", "贸易有限公司", "超市有限公司"),
    "G": ("物流有限公司", "运输有限公司"),
    "H": ("酒店管理有限公司", "餐饮管理有限公司"),
    "I": ("信息技术有限公司", "网络科技有限公司"),
    "J": ("投资咨询有限公司",),
    "K": ("房地产开发有限公司", "置业有限公司"),
    "L": ("商务服务有限公司", "租赁有限公司"),
    "M": ("科技有限公司", "检测技术有限公司"),
    "N": ("环境工程有限公司", "水利工程有限公司"),
    "O": ("家政服务有限公司", "汽车维修有限公司"),
    "P": ("培训学校有限公司",),
    "Q": ("医疗器械有限公司", "养老服务有限公司"),
    "R": ("文化传媒有限公司", "旅游开发有限公司"),
    "S": ("社会服务有限公司",),
    "T": ("国际合作有限公司",),
}
SHOP_WORDS: dict[str, tuple[str, ...]] = {
    "A": ("家庭农场", "养殖场", "种植园", "果园"),
    "C": ("加工厂", "木器厂", "粮油加工坊"),
    "E": ("装修队", "水电安装部"),
    "F": ("商行", "超市", "五金店", "建材店", "批发部", "农资店", "副食店"),
    "G": ("货运部", "物流点"),
    "H": ("饭店", "小吃店", "农家乐", "宾馆"),
    "O": ("理发店", "洗车行", "维修部", "家电维修部"),
    "R": ("网吧", "摄影部"),
}
INDUSTRY_LETTERS = tuple("ABCDEFGHIJKLMNOPQRST")

# GB 32100 (unified social credit code) character set and weights; GB 11714 (org code) weights.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
ORG_CODE_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def person_names(rng: np.random.Generator, n: int) -> pa.Array:
    """Two- or three-character Chinese personal names."""
    weights = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.8
    surname = rng.choice(len(SURNAMES), n, p=weights / weights.sum())
    first = rng.integers(0, len(GIVEN_FIRST), n)
    second = rng.integers(0, len(GIVEN_SECOND), n)
    return join(pick(SURNAMES, surname), pick(GIVEN_FIRST, first), pick(GIVEN_SECOND, second))


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """The decimal digits of each value, most significant first, as an (n, width) array."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers) % 10


def _ascii(chars: np.ndarray) -> pa.Array:
    """Rows of ASCII codes as a string array."""
    chars = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.array(chars.view(f"S{chars.shape[1]}").ravel(), type=pa.string())


def resident_ids(
    rng: np.random.Generator, region_code: np.ndarray, birth_day: np.ndarray
) -> pa.Array:
    """18-character resident identity numbers (GB 11643) with the ISO 7064 MOD 11-2 check."""
    n = len(region_code)
    birth = np.asarray(birth_day).astype("datetime64[D]")
    ymd = (
        (birth.astype("datetime64[Y]").astype(np.int64) + 1970) * 10000
        + (birth.astype("datetime64[M]").astype(np.int64) % 12 + 1) * 100
        + (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
        + 1
    )
    digits = np.concatenate(
        [_digits(region_code, 6), _digits(ymd, 8), _digits(rng.integers(0, 1000, n), 3)], axis=1
    )
    check = ID_CHECK[(digits @ ID_WEIGHTS) % 11]
    return _ascii(np.concatenate([digits + ord("0"), check[:, None]], axis=1))


def credit_codes(
    rng: np.random.Generator, region_code: np.ndarray, org_type: np.ndarray
) -> pa.Array:
    """18-character unified social credit codes (GB 32100): ``9`` (market regulator), the
    organisation type (1 enterprise, 2 individual business), the region, a GB 11714
    organisation code with its check character, and the MOD 31 check character."""
    n = len(region_code)
    base = _digits(rng.integers(0, 10**8, n), 8)
    org_check = 11 - (base @ ORG_CODE_WEIGHTS) % 11  # 10 -> X, 11 -> 0
    org_check_value = np.where(org_check == 11, 0, np.where(org_check == 10, 29, org_check))
    values = np.concatenate(
        [
            np.full((n, 1), 9),
            np.asarray(org_type, dtype=np.int64)[:, None],
            _digits(region_code, 6),
            base,
            org_check_value[:, None],
        ],
        axis=1,
    )
    check = (31 - (values @ USCC_WEIGHTS) % 31) % 31
    table = np.frombuffer(USCC_CHARS.encode(), dtype=np.uint8)
    return _ascii(table[np.concatenate([values, check[:, None]], axis=1)])


def _by_letter(
    rng: np.random.Generator, words: dict[str, tuple[str, ...]], letter: np.ndarray
) -> pa.Array:
    """A word of the trade of each GB/T 4754 section index (sections without words use ``F``)."""
    pool: list[str] = []
    start = np.zeros(len(INDUSTRY_LETTERS), dtype=np.int64)
    size = np.zeros(len(INDUSTRY_LETTERS), dtype=np.int64)
    for i, code in enumerate(INDUSTRY_LETTERS):
        choices = words.get(code, words["F"])
        start[i], size[i] = len(pool), len(choices)
        pool.extend(choices)
    index = start[letter] + (rng.random(len(letter)) * size[letter]).astype(np.int64)
    return pick(pool, index)


def firm_names(rng: np.random.Generator, town: pa.Array, letter: np.ndarray) -> pa.Array:
    """Company names such as 临河县鑫达建材有限公司."""
    trade = pick(TRADE_NAMES, rng.integers(0, len(TRADE_NAMES), len(letter)))
    return join(town, trade, _by_letter(rng, FIRM_WORDS, letter))


def shop_names(
    rng: np.random.Generator, town: pa.Array, owner: pa.Array, letter: np.ndarray
) -> pa.Array:
    """Individual businesses: 临河县鑫达五金店, or named after the owner (临河县王建国农资店)."""
    trade = pick(TRADE_NAMES, rng.integers(0, len(TRADE_NAMES), len(letter)))
    own = pa.array(rng.random(len(letter)) < 0.4)
    return join(town, pc.if_else(own, owner, trade), _by_letter(rng, SHOP_WORDS, letter))
